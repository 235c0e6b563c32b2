package io.libkv.cli;

import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;

/**
 * Runs the {@code libkv} command for a test: in this JVM ({@link InProcessRunner}) or as a separate
 * process through the {@code ./libkv} launcher ({@link LauncherRunner}).
 */
interface CliRunner {
  /** Runs a command to completion. */
  Result run(Map<String, String> env, byte[] stdin, List<String> args);

  /** Starts a long-running command ({@code watch}, {@code put --keep-alive}, {@code lock}). */
  Running start(Map<String, String> env, List<String> args);

  /**
   * Whether separate runs on the same store URI see each other's data: true in-process (named
   * memory stores are shared in one JVM) and for file or server stores; false for {@code memory:}
   * through the launcher, where every process has its own.
   */
  boolean sharesState(String storeUri);

  /** What a finished command did. */
  final class Result {
    final int exitCode;
    final byte[] stdout;
    final String stderr;

    Result(int exitCode, byte[] stdout, String stderr) {
      this.exitCode = exitCode;
      this.stdout = stdout;
      this.stderr = stderr;
    }

    String out() {
      return new String(stdout, StandardCharsets.UTF_8);
    }

    /** Stdout's lines; each must end with a newline. */
    List<String> lines() {
      String s = out();
      if (s.isEmpty()) {
        return List.of();
      }
      if (!s.endsWith("\n")) {
        throw new AssertionError("stdout does not end with a newline: [" + s + "]");
      }
      return List.of(s.substring(0, s.length() - 1).split("\n", -1));
    }

    @Override
    public String toString() {
      return "exit " + exitCode + ", stdout [" + out() + "], stderr [" + stderr + "]";
    }
  }

  /** A command still running. */
  interface Running {
    /** The next stdout line, waiting up to {@code timeout}; null if none came. */
    String nextLine(Duration timeout) throws InterruptedException;

    /** Sends what SIGTERM sends (in-process: the same stop request), then waits for the end. */
    Result stop(Duration timeout) throws InterruptedException;

    /** Kills the command as SIGKILL does (no clean-up runs), then waits for the end. */
    Result kill(Duration timeout) throws InterruptedException;

    /** Waits for the command to end by itself. */
    Result await(Duration timeout) throws InterruptedException;

    /** The process id of the command's JVM, where it runs in a process of its own. */
    default long pid() {
      throw new UnsupportedOperationException("the command runs in this JVM");
    }
  }
}
