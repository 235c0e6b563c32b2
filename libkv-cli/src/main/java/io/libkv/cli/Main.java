package io.libkv.cli;

import java.io.FileDescriptor;
import java.io.FileOutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/** Entry point of the {@code libkv} command ({@code docs/cli.md}). */
public final class Main {
  private Main() {}

  /**
   * Runs the command and exits with its code.
   *
   * @param args the command line
   */
  // release 17 has no Console.isTerminal(): on JDK 22+ a piped run still gets a console, so reads
  // as interactive
  @SuppressWarnings("SystemConsoleNull")
  public static void main(String[] args) {
    // JNA (the bbolt file lock, FastExit) otherwise fills its default library path by running
    // `ldconfig -p`, a process on every start; libc is bound by its file name, which needs no path
    if (System.getProperty("jna.platform.library.path") == null) {
      System.setProperty("jna.platform.library.path", "");
    }
    // raw stdout: values are written as exact bytes, and nothing else may write there
    FileOutputStream stdout = new FileOutputStream(FileDescriptor.out);
    PrintStream stderr =
        new PrintStream(new FileOutputStream(FileDescriptor.err), true, StandardCharsets.UTF_8);
    Cli cli = new Cli(System.in, stdout, stderr, System.getenv(), System.console() != null, true);
    Logging.quietUntilUsed();
    cli.termination()
        .installShutdownHook(
            () -> {
              try {
                cli.out().flush();
              } catch (RuntimeException ignored) {
                // stdout is gone; the exit code still tells
              }
              stderr.flush();
            });
    int code = cli.run(args);
    if (cli.termination().finish(code)) {
      // what the shutdown hook would flush, as the fast exit runs no hook
      stderr.flush();
      FastExit.exit(code);
    }
    // else: a signal's shutdown hook is in charge and ends the JVM with this code
  }
}
