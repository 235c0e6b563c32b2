/** The in-memory reference store ({@code memory:} URIs). */
@NullMarked
package io.libkv.memory;

import org.jspecify.annotations.NullMarked;
