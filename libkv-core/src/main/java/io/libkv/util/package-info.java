/**
 * Utilities for code built on the store API (recipes, the CLI, applications): backoff, ordered
 * execution.
 */
@NullMarked
package io.libkv.util;

import org.jspecify.annotations.NullMarked;
