package io.libkv.cli;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.logging.ConsoleHandler;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * Library logging (System.Logger, backed by java.util.logging): off unless {@code --verbose}, so
 * stderr stays empty on success.
 *
 * <p>Off without starting java.util.logging: its start looks for a logging backend in every jar of
 * the class path (about 30 ms for the CLI's), which a command whose libraries never log need not
 * pay. {@link #quietUntilUsed()} names {@link Quiet} as the configuration the log manager runs when
 * something first logs.
 */
final class Logging {
  private static final String CONFIG_CLASS = "java.util.logging.config.class";

  private Logging() {}

  /**
   * java.util.logging's configuration while not verbose: everything off, no handler. Run by the log
   * manager when it starts (hence public, with a public constructor).
   */
  public static final class Quiet {
    /**
     * Applies the quiet configuration.
     *
     * @throws IOException never: the configuration is read from memory
     */
    public Quiet() throws IOException {
      LogManager.getLogManager()
          .readConfiguration(
              new ByteArrayInputStream(".level=OFF\nhandlers=\n".getBytes(StandardCharsets.UTF_8)));
    }
  }

  /**
   * Makes library logging quiet from its start, whenever that comes, unless the JVM was given a
   * logging configuration of its own.
   */
  static void quietUntilUsed() {
    if (System.getProperty(CONFIG_CLASS) == null
        && System.getProperty("java.util.logging.config.file") == null) {
      System.setProperty(CONFIG_CLASS, Quiet.class.getName());
    }
  }

  static void configure(boolean verbose) {
    if (!verbose) {
      if (!Quiet.class.getName().equals(System.getProperty(CONFIG_CLASS))) {
        Logger.getLogger("").setLevel(Level.OFF);
      }
      // else quiet already, or from its start: nothing to start now
      return;
    }
    Logger root = Logger.getLogger("");
    root.setLevel(Level.FINE);
    boolean hasConsole = false;
    for (Handler h : root.getHandlers()) {
      if (h instanceof ConsoleHandler) {
        h.setLevel(Level.FINE);
        hasConsole = true;
      }
    }
    if (!hasConsole) {
      ConsoleHandler h = new ConsoleHandler();
      h.setLevel(Level.FINE);
      root.addHandler(h);
    }
  }
}
