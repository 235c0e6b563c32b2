package io.libkv.cli;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * Runs the command in this JVM through {@link Cli}, with byte buffers for streams; a "signal" is
 * {@link Termination#requestStop()}. Named memory stores are shared across runs here.
 */
final class InProcessRunner implements CliRunner {
  @Override
  public boolean sharesState(String storeUri) {
    return !storeUri.equals("memory:") && !storeUri.startsWith("memory:?");
  }

  @Override
  public Result run(Map<String, String> env, byte[] stdin, List<String> args) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Cli cli =
        new Cli(
            new ByteArrayInputStream(stdin),
            out,
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new HashMap<>(env),
            false,
            false);
    int code = cli.run(args.toArray(new String[0]));
    return new Result(code, out.toByteArray(), err.toString(StandardCharsets.UTF_8));
  }

  @Override
  public Running start(Map<String, String> env, List<String> args) {
    BlockingQueue<String> lines = new LinkedBlockingQueue<>();
    ByteArrayOutputStream all = new ByteArrayOutputStream();
    OutputStream out =
        new OutputStream() {
          private final ByteArrayOutputStream line = new ByteArrayOutputStream();

          @Override
          public synchronized void write(int b) {
            all.write(b);
            if (b == '\n') {
              lines.add(line.toString(StandardCharsets.UTF_8));
              line.reset();
            } else {
              line.write(b);
            }
          }

          @Override
          public void write(byte[] b, int off, int len) throws IOException {
            for (int i = 0; i < len; i++) {
              write(b[off + i]);
            }
          }
        };
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    Cli cli =
        new Cli(
            new ByteArrayInputStream(new byte[0]),
            out,
            new PrintStream(err, true, StandardCharsets.UTF_8),
            new HashMap<>(env),
            false,
            false);
    CompletableFuture<Integer> code =
        CompletableFuture.supplyAsync(() -> cli.run(args.toArray(new String[0])));
    return new Running() {
      @Override
      public String nextLine(Duration timeout) throws InterruptedException {
        return lines.poll(timeout.toMillis(), TimeUnit.MILLISECONDS);
      }

      @Override
      public Result stop(Duration timeout) throws InterruptedException {
        cli.termination().requestStop();
        return await(timeout);
      }

      @Override
      public Result kill(Duration timeout) {
        throw new UnsupportedOperationException(
            "a command in this JVM cannot be killed; use the launcher");
      }

      @Override
      public Result await(Duration timeout) throws InterruptedException {
        try {
          int c = code.get(timeout.toMillis(), TimeUnit.MILLISECONDS);
          synchronized (out) {
            return new Result(c, all.toByteArray(), err.toString(StandardCharsets.UTF_8));
          }
        } catch (ExecutionException | TimeoutException e) {
          throw new AssertionError("libkv " + args + " did not end within " + timeout, e);
        }
      }
    };
  }
}
