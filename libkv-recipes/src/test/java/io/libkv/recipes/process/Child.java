package io.libkv.recipes.process;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * A child JVM running {@link ChildMain}, with its stdout lines queued as they come (each with the
 * time it was read) and its stderr kept in a file for diagnostics. Signals go by its own pid.
 */
final class Child implements AutoCloseable {
  /** A line and when this process read it ({@link System#nanoTime()}). */
  record Line(String text, long atNanos) {}

  final String name;
  private final Process process;
  private final java.io.Writer stdin;
  private final Path stderr;
  private final BlockingQueue<Line> lines = new LinkedBlockingQueue<>();
  private final List<Line> all = new ArrayList<>();
  private final Thread reader;

  private Child(String name, Process process, Path stderr) {
    this.name = name;
    this.process = process;
    this.stdin = new java.io.OutputStreamWriter(process.getOutputStream(), StandardCharsets.UTF_8);
    this.stderr = stderr;
    reader =
        new Thread(
            () -> {
              try (BufferedReader r =
                  new BufferedReader(
                      new InputStreamReader(process.getInputStream(), StandardCharsets.UTF_8))) {
                for (String l; (l = r.readLine()) != null; ) {
                  Line line = new Line(l, System.nanoTime());
                  synchronized (all) {
                    all.add(line);
                  }
                  lines.add(line);
                }
              } catch (IOException e) {
                // the process went
              }
            },
            "child-out-" + name);
    reader.setDaemon(true);
    reader.start();
  }

  /** Starts {@code ChildMain args} in a new JVM with this JVM's class path. */
  static Child start(String name, Path workDir, String... args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "java").toString());
    // small and quick to start: several of these run at once on a small machine
    cmd.addAll(
        List.of(
            "-Xmx96m",
            "-XX:+UseSerialGC",
            "-XX:TieredStopAtLevel=1",
            "-Xss512k",
            "-cp",
            System.getProperty("java.class.path"),
            ChildMain.class.getName()));
    cmd.addAll(List.of(args));
    Path err = workDir.resolve(name + ".stderr");
    try {
      Process p = new ProcessBuilder(cmd).redirectError(err.toFile()).start();
      return new Child(name, p, err);
    } catch (IOException e) {
      throw new UncheckedIOException("cannot start " + cmd, e);
    }
  }

  long pid() {
    return process.pid();
  }

  /**
   * Writes a command line to its stdin; the pipe keeps it while the child is paused, so the child
   * reads it the moment it runs again.
   */
  void send(String line) {
    try {
      stdin.write(line + "\n");
      stdin.flush();
    } catch (IOException e) {
      throw new UncheckedIOException("cannot write to " + name, e);
    }
  }

  /** The next line within {@code timeout}, or null. */
  Line next(Duration timeout) throws InterruptedException {
    return lines.poll(timeout.toNanos(), TimeUnit.NANOSECONDS);
  }

  /** The next line without waiting, or null. */
  Line poll() {
    return lines.poll();
  }

  /** Waits for {@code ready}. */
  void awaitReady(Duration timeout) throws InterruptedException {
    Line l = next(timeout);
    if (l == null || !l.text().equals("ready")) {
      throw new AssertionError(
          name + " did not get ready within " + timeout + " (got " + l + "): " + diagnostics());
    }
  }

  /** Every line read so far. */
  List<String> output() {
    synchronized (all) {
      return all.stream().map(Line::text).toList();
    }
  }

  boolean isAlive() {
    return process.isAlive();
  }

  void kill() throws InterruptedException {
    // through the handle: Process.destroy*() also closes our end of its stdout, losing unread lines
    process.toHandle().destroyForcibly();
    process.waitFor(30, TimeUnit.SECONDS);
  }

  /** SIGTERM and waits for the exit; the exit code. */
  int terminate(Duration timeout) throws InterruptedException {
    process.toHandle().destroy();
    if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
      throw new AssertionError(
          name + " did not exit within " + timeout + " of SIGTERM: " + diagnostics());
    }
    reader.join(timeout.toMillis()); // its last lines
    return process.exitValue();
  }

  /** SIGSTOP: the process freezes as in a long GC pause or a stopped VM. */
  void pause() throws InterruptedException {
    signal("STOP");
  }

  /** SIGCONT. */
  void resume() throws InterruptedException {
    signal("CONT");
  }

  private void signal(String sig) throws InterruptedException {
    try {
      Process k =
          new ProcessBuilder("kill", "-" + sig, Long.toString(process.pid())).inheritIO().start();
      if (k.waitFor() != 0) {
        throw new AssertionError("kill -" + sig + " " + process.pid() + " failed");
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  String diagnostics() {
    String err;
    try {
      err = Files.exists(stderr) ? Files.readString(stderr) : "";
    } catch (IOException e) {
      err = e.toString();
    }
    if (err.length() > 4000) {
      err = err.substring(err.length() - 4000);
    }
    return "["
        + name
        + " pid "
        + process.pid()
        + (process.isAlive() ? "" : " exit " + process.exitValue())
        + " stdout "
        + output()
        + " stderr "
        + err
        + "]";
  }

  @Override
  public void close() {
    if (process.isAlive()) {
      try {
        resume();
        kill();
      } catch (InterruptedException e) {
        process.destroyForcibly();
        Thread.currentThread().interrupt();
      }
    }
  }

  @Override
  public String toString() {
    return name;
  }
}
