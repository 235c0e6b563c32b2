package io.libkv.cli;

/**
 * A command that only reads: a bbolt file is opened read-only and never created, and a missing one
 * is answered as an empty store ({@link #missingStore}) or waited for ({@link #waitsForStore}).
 */
abstract class ReadCommand extends StoreCommand {
  @Override
  final boolean readsOnly() {
    return true;
  }
}
