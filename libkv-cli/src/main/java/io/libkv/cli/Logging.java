package io.libkv.cli;

import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.Logger;

/**
 * Library logging (System.Logger, backed by java.util.logging): off unless {@code --verbose}, so
 * stderr stays empty on success.
 */
final class Logging {
  // held so the configuration is not garbage-collected with a weakly referenced logger
  private static final Logger ROOT = Logger.getLogger("");

  private Logging() {}

  static void configure(boolean verbose) {
    if (!verbose) {
      ROOT.setLevel(Level.OFF);
      return;
    }
    ROOT.setLevel(Level.FINE);
    boolean hasConsole = false;
    for (Handler h : ROOT.getHandlers()) {
      if (h instanceof ConsoleHandler) {
        h.setLevel(Level.FINE);
        hasConsole = true;
      }
    }
    if (!hasConsole) {
      ConsoleHandler h = new ConsoleHandler();
      h.setLevel(Level.FINE);
      ROOT.addHandler(h);
    }
  }
}
