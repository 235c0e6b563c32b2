package io.libkv.cli;

/**
 * A command whose result {@code -o table} prints as a {@link Table}. A command that is not one
 * refuses that format (exit 2) rather than print something else; see {@link Cli#commandLine}.
 */
interface TableOutput {
  /** Whether this run prints a table, given its other options (a stream cannot be aligned). */
  default boolean printsTable() {
    return true;
  }
}
