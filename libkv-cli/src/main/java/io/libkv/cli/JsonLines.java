package io.libkv.cli;

/**
 * A command whose result {@code --json} prints as JSON lines (flat objects, one per line). A
 * command that is not one has nothing of its own to print, and refuses {@code --json} (exit 2)
 * rather than ignore it; see {@link Cli#commandLine(String...)}.
 */
interface JsonLines {
  /** Whether this run prints a result, given its other options; by default it does. */
  default boolean printsJson() {
    return true;
  }
}
