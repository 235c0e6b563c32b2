package io.libkv.cli;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

/**
 * Runs {@code ./libkv} from the repository root (system property {@code libkv.repo.root}) as a
 * separate process, in a scratch working directory, with {@code LIBKV_NO_BUILD=1}: the jar was
 * packaged before the black-box tests run, and a test never starts a nested Maven build.
 */
final class LauncherRunner implements CliRunner {
  private final Path launcher;
  private final Path workDir;

  LauncherRunner(Path workDir) {
    String root = System.getProperty("libkv.repo.root");
    if (root == null || root.isEmpty()) {
      throw new IllegalStateException(
          "system property libkv.repo.root is not set (the parent POM's surefire config sets it)");
    }
    this.launcher = Path.of(root).resolve("libkv");
    if (!Files.isExecutable(launcher)) {
      throw new IllegalStateException(launcher + " is missing or not executable");
    }
    this.workDir = workDir;
  }

  @Override
  public boolean sharesState(String storeUri) {
    return !storeUri.startsWith("memory:");
  }

  private Process spawn(Map<String, String> env, List<String> args) {
    List<String> cmd = new ArrayList<>();
    cmd.add(launcher.toString());
    cmd.addAll(args);
    ProcessBuilder pb = new ProcessBuilder(cmd).directory(workDir.toFile());
    Map<String, String> e = pb.environment();
    e.remove("LIBKV_STORE");
    e.remove("LIBKV_PASSWORD");
    e.remove("LIBKV_TOKEN");
    e.put("LIBKV_NO_BUILD", "1");
    e.putAll(env);
    try {
      return pb.start();
    } catch (IOException ex) {
      throw new UncheckedIOException(ex);
    }
  }

  @Override
  public Result run(Map<String, String> env, byte[] stdin, List<String> args) {
    Process p = spawn(env, args);
    Pump out = new Pump(p.getInputStream(), null);
    Pump err = new Pump(p.getErrorStream(), null);
    try (OutputStream in = p.getOutputStream()) {
      in.write(stdin);
    } catch (IOException ignored) {
      // the command did not read its stdin
    }
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        throw new AssertionError("libkv " + args + " did not finish within 60s");
      }
      return new Result(p.exitValue(), out.bytes(), err.text());
    } catch (InterruptedException e) {
      p.destroyForcibly();
      Thread.currentThread().interrupt();
      throw new AssertionError("interrupted", e);
    }
  }

  @Override
  public Running start(Map<String, String> env, List<String> args) {
    Process p = spawn(env, args);
    try {
      p.getOutputStream().close();
    } catch (IOException ignored) {
      // nothing to close
    }
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    Pump out = new Pump(p.getInputStream(), lines);
    Pump err = new Pump(p.getErrorStream(), null);
    return new Running() {
      @Override
      public String nextLine(Duration timeout) throws InterruptedException {
        return lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }

      @Override
      public Result stop(Duration timeout) throws InterruptedException {
        // SIGTERM to the JVM itself (the launcher exec'd it); through the handle, because
        // Process.destroy() also closes our end of its stdout and loses what it prints on the way
        // out
        p.toHandle().destroy();
        return await(timeout);
      }

      @Override
      public long pid() {
        return p.pid(); // the JVM itself: the launcher exec'd it
      }

      @Override
      public Result kill(Duration timeout) throws InterruptedException {
        p.toHandle()
            .destroyForcibly(); // SIGKILL: nothing in the JVM runs; what it printed is still read
        return await(timeout);
      }

      @Override
      public Result await(Duration timeout) throws InterruptedException {
        if (!p.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
          p.destroyForcibly();
          throw new AssertionError("libkv " + args + " did not end within " + timeout);
        }
        return new Result(p.exitValue(), out.bytes(), err.text());
      }
    };
  }

  /**
   * Drains a stream on its own thread, keeping every byte and, optionally, handing over lines as
   * they come.
   */
  private static final class Pump {
    private final ByteArrayOutputStream all = new ByteArrayOutputStream();
    private final Thread thread;

    Pump(InputStream in, BlockingQueue<String> lines) {
      thread =
          new Thread(
              () -> {
                ByteArrayOutputStream line = new ByteArrayOutputStream();
                try (in) {
                  int b;
                  while ((b = in.read()) >= 0) {
                    synchronized (all) {
                      all.write(b);
                    }
                    if (lines != null) {
                      if (b == '\n') {
                        lines.add(line.toString(StandardCharsets.UTF_8));
                        line.reset();
                      } else {
                        line.write(b);
                      }
                    }
                  }
                } catch (IOException ignored) {
                  // the process ended
                }
              },
              "pump");
      thread.setDaemon(true);
      thread.start();
    }

    byte[] bytes() throws InterruptedException {
      thread.join(10_000);
      synchronized (all) {
        return all.toByteArray();
      }
    }

    String text() throws InterruptedException {
      return new String(bytes(), StandardCharsets.UTF_8);
    }
  }
}
