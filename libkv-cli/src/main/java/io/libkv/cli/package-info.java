/** The {@code libkv} command line: picocli commands over the Store API and bolt files. */
@NullMarked
package io.libkv.cli;

import org.jspecify.annotations.NullMarked;
