package io.libkv.cli;

import java.io.IOException;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.function.Consumer;

/**
 * The CMD that {@code lock} and {@code elect -- CMD} run: with this process's stdio, or in-process
 * (tests) with its output copied into the run's streams.
 */
final class ChildCommand {
  /** What the shell reports for a command that cannot be run. */
  static final int CANNOT_RUN = 127;

  private final Process process;
  private final List<Thread> copiers = new ArrayList<>();

  private ChildCommand(Cli cli, List<String> command, Map<String, String> env) {
    ProcessBuilder pb = new ProcessBuilder(command);
    pb.environment().putAll(env);
    try {
      if (cli.processStdio()) {
        process = pb.inheritIO().start();
        return;
      }
      pb.redirectInput(ProcessBuilder.Redirect.PIPE);
      process = pb.start();
      process.getOutputStream().close();
    } catch (IOException e) {
      throw new CliException(
          CANNOT_RUN, "cannot run " + command.get(0) + ": " + ValueInput.describe(e), e);
    }
    copy(
        process.getInputStream(),
        bytes -> {
          cli.out().bytes(bytes);
          cli.out().flush();
        });
    copy(process.getErrorStream(), bytes -> cli.err().write(bytes, 0, bytes.length));
  }

  /**
   * Starts CMD.
   *
   * @throws CliException with exit code {@value #CANNOT_RUN} when it cannot be started
   */
  static ChildCommand start(Cli cli, List<String> command) {
    return new ChildCommand(cli, command, Map.of());
  }

  /** Starts CMD with {@code env} added to its environment. */
  static ChildCommand start(Cli cli, List<String> command, Map<String, String> env) {
    return new ChildCommand(cli, command, env);
  }

  /** Sends SIGTERM; the caller still waits for the status. */
  void terminate() {
    process.destroy();
  }

  /** Waits for CMD's status; nothing may cut the wait short, since it becomes the exit code. */
  int awaitExit() {
    int status;
    while (true) {
      try {
        status = process.waitFor();
        break;
      } catch (InterruptedException e) {
        // a stop reached us late: CMD was sent SIGTERM and ends soon; keep waiting
      }
    }
    for (Thread t : copiers) {
      try {
        t.join(5000); // in-process only: the last of CMD's output
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        break;
      }
    }
    return status;
  }

  private void copy(InputStream from, Consumer<byte[]> to) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[8192];
              try (from) {
                int n;
                while ((n = from.read(buf)) > 0) {
                  to.accept(Arrays.copyOf(buf, n));
                }
              } catch (IOException ignored) {
                // CMD ended
              }
            },
            "cmd-output");
    t.setDaemon(true);
    t.start();
    copiers.add(t);
  }
}
