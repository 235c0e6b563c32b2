package io.libkv.cli;

import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltException;
import io.libkv.bolt.BoltOptions;
import io.libkv.bolt.Bucket;
import io.libkv.bolt.Cursor;
import io.libkv.bolt.Tx;
import java.io.IOException;
import java.io.PrintStream;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.IntSupplier;

/**
 * Go's {@code bolt bench} for this engine: the same flags, workload and arithmetic, so numbers can
 * be compared side by side. Flags: {@code -write-mode seq|rnd|seq-nest|rnd-nest}, {@code -read-mode
 * seq|rnd}, {@code -count N}, {@code -batch-size N}, {@code -key-size N}, {@code -value-size N},
 * {@code -fill-percent F}, {@code -no-sync}, {@code -path P}, {@code -work}, {@code -no-warmup}.
 * Results go to stderr as {@code # Write\t<dur>\t(<per-op>/op)\t(<N> op/sec)} and a {@code # Read}
 * line, durations in Go's notation; per-op time is truncated to whole nanoseconds and op/sec is
 * 10^9 divided by it. Reads are full scans (or, with {@code rnd}, random gets) in one read
 * transaction, repeated for at least one second. Untimed warm-up runs on a scratch file come first
 * unless {@code -no-warmup}: at least one, repeated until {@link #WARMUP_NANOS} have passed, since
 * one run of the default size ends before the JIT has compiled the write path, and a cold JVM
 * measures the compiler, not the engine. Unlike Go 1.3.1, whose nested write modes write flat keys,
 * the nested modes write one sub-bucket per batch.
 */
final class BoltBench {
  private static final byte[] BUCKET = "bench".getBytes(StandardCharsets.US_ASCII);

  /** How long warm-up runs go on. */
  static final long WARMUP_NANOS = 5_000_000_000L;

  /**
   * Parsed flags; immutable.
   *
   * @param writeMode seq, rnd, seq-nest or rnd-nest
   * @param readMode seq or rnd
   * @param count number of keys written
   * @param batchSize keys per write transaction
   * @param keySize key length (the first 4 bytes hold a big-endian counter or random number)
   * @param valueSize value length (zeros)
   * @param fillPercent bucket fill percent
   * @param noSync skip fdatasync at commit
   * @param path the database file, empty for a temporary one
   * @param work keep the file and print its path
   * @param warmup run an untimed warm-up first
   */
  public record Options(
      String writeMode,
      String readMode,
      int count,
      int batchSize,
      int keySize,
      int valueSize,
      double fillPercent,
      boolean noSync,
      String path,
      boolean work,
      boolean warmup) {}

  /**
   * Timings of one run.
   *
   * @param writeNanos total write time
   * @param writeOps keys written
   * @param readNanos total read time
   * @param readOps keys read
   */
  public record Result(long writeNanos, long writeOps, long readNanos, long readOps) {
    /**
     * @return Go's {@code # Write} line
     */
    public String writeLine() {
      return line("Write", writeNanos, writeOps);
    }

    /**
     * @return Go's {@code # Read} line
     */
    public String readLine() {
      return line("Read", readNanos, readOps);
    }

    private static String line(String what, long nanos, long ops) {
      long perOp = ops == 0 ? 0 : nanos / ops;
      long perSec = perOp == 0 ? 0 : 1_000_000_000L / perOp;
      return "# "
          + what
          + "\t"
          + goDuration(nanos)
          + "\t("
          + goDuration(perOp)
          + "/op)\t("
          + perSec
          + " op/sec)";
    }
  }

  private BoltBench() {}

  /**
   * Parses Go-style flags ({@code -name value}, {@code -name=value}, {@code --name}).
   *
   * @param args the flags
   * @return the options
   * @throws IllegalArgumentException for an unknown flag or bad value
   */
  public static Options parse(String... args) {
    String writeMode = "seq";
    String readMode = "seq";
    int count = 1000;
    int batch = 0;
    int keySize = 8;
    int valueSize = 32;
    double fill = 0.5;
    boolean noSync = false;
    boolean work = false;
    boolean warmup = true;
    String path = "";
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (!a.startsWith("-")) {
        throw new IllegalArgumentException("unexpected argument: " + a);
      }
      String name = a.replaceFirst("^--?", "");
      String value = null;
      int eq = name.indexOf('=');
      if (eq >= 0) {
        value = name.substring(eq + 1);
        name = name.substring(0, eq);
      }
      switch (name) {
        case "no-sync" -> noSync = value == null || Boolean.parseBoolean(value);
        case "work" -> work = value == null || Boolean.parseBoolean(value);
        case "no-warmup" -> warmup = !(value == null || Boolean.parseBoolean(value));
        default -> {
          if (value == null) {
            if (i + 1 >= args.length) {
              throw new IllegalArgumentException("flag needs an argument: -" + name);
            }
            value = args[++i];
          }
          switch (name) {
            case "write-mode" -> writeMode = value;
            case "read-mode" -> readMode = value;
            case "count" -> count = Integer.parseInt(value);
            case "batch-size" -> batch = Integer.parseInt(value);
            case "key-size" -> keySize = Integer.parseInt(value);
            case "value-size" -> valueSize = Integer.parseInt(value);
            case "fill-percent" -> fill = Double.parseDouble(value);
            case "path" -> path = value;
            default ->
                throw new IllegalArgumentException("flag provided but not defined: -" + name);
          }
        }
      }
    }
    if (!List.of("seq", "rnd", "seq-nest", "rnd-nest").contains(writeMode)) {
      throw new IllegalArgumentException("invalid write mode: " + writeMode);
    }
    if (!List.of("seq", "rnd").contains(readMode)) {
      throw new IllegalArgumentException("invalid read mode: " + readMode);
    }
    if (keySize < 4) {
      throw new IllegalArgumentException("key size must be at least 4: " + keySize);
    }
    if (batch == 0) {
      batch = count;
    } else if (count % batch != 0) {
      throw new IllegalArgumentException(
          "number of iterations must be divisible by the batch size");
    }
    return new Options(
        writeMode, readMode, count, batch, keySize, valueSize, fill, noSync, path, work, warmup);
  }

  /**
   * Runs the benchmark.
   *
   * @param o the options
   * @param out where {@code -work} prints the path
   * @return the timings
   */
  public static Result run(Options o, PrintStream out) {
    try {
      if (o.warmup()) {
        long start = System.nanoTime();
        do {
          Path scratch = Files.createTempFile("bolt-bench-warmup-", ".db");
          Files.delete(scratch);
          try {
            once(o, scratch, 100_000_000L);
          } finally {
            Files.deleteIfExists(scratch);
          }
        } while (System.nanoTime() - start < WARMUP_NANOS);
      }
      Path p;
      if (o.path().isEmpty()) {
        p = Files.createTempFile("bolt-bench-", ".db");
        Files.delete(p);
      } else {
        p = Path.of(o.path());
      }
      if (o.work()) {
        out.println("work: " + p);
      }
      try {
        return once(o, p, 1_000_000_000L);
      } finally {
        if (!o.work()) {
          Files.deleteIfExists(p);
        }
      }
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static Result once(Options o, Path p, long minReadNanos) {
    try (BoltDB db = BoltDB.open(p, BoltOptions.builder().noSync(o.noSync()).build())) {
      boolean nested = o.writeMode().endsWith("-nest");
      IntSupplier keys;
      if (o.writeMode().startsWith("seq")) {
        int[] i = {0};
        keys = () -> ++i[0];
      } else {
        Random r = new Random(System.nanoTime());
        keys = r::nextInt;
      }
      long t0 = System.nanoTime();
      for (int i = 0; i < o.count(); i += o.batchSize()) {
        db.update(
            tx -> {
              Bucket top = tx.createBucketIfAbsent(BUCKET);
              top.setFillPercent(o.fillPercent());
              Bucket b = top;
              if (nested) {
                b = top.createBucketIfAbsent(key(o, keys.getAsInt()));
                b.setFillPercent(o.fillPercent());
              }
              byte[] value = new byte[o.valueSize()];
              for (int j = 0; j < o.batchSize(); j++) {
                b.put(key(o, keys.getAsInt()), value);
              }
            });
      }
      long writeNanos = System.nanoTime() - t0;
      long[] reads = {0, 0};
      try (Tx tx = db.beginRead()) {
        Bucket top = tx.bucket(BUCKET).orElseThrow();
        List<Bucket> buckets = new ArrayList<>();
        if (nested) {
          Cursor c = top.cursor();
          for (var k = c.firstKey(); k.isPresent(); k = c.nextKey()) {
            buckets.add(top.bucket(k.get()).orElseThrow());
          }
        } else {
          buckets.add(top);
        }
        long start = System.nanoTime();
        if (o.readMode().equals("seq")) {
          do {
            long n = 0;
            for (Bucket b : buckets) {
              Cursor c = b.cursor();
              // moves that copy nothing, as Go's loop over bbolt's slices
              for (boolean ok = c.moveFirst(); ok; ok = c.moveNext()) {
                if (c.isBucket()) {
                  throw new BoltException("invalid value");
                }
                n++;
              }
            }
            reads[0] += n;
          } while (System.nanoTime() - start < minReadNanos);
        } else {
          List<byte[]> all = new ArrayList<>();
          List<Bucket> owners = new ArrayList<>();
          for (Bucket b : buckets) {
            Cursor c = b.cursor();
            for (var k = c.firstKey(); k.isPresent(); k = c.nextKey()) {
              all.add(k.get());
              owners.add(b);
            }
          }
          Random r = new Random(1);
          start = System.nanoTime();
          do {
            for (int k = 0; k < 100_000; k++) {
              int i = r.nextInt(all.size());
              if (owners.get(i).get(all.get(i)).isEmpty()) {
                throw new BoltException("key missing in read");
              }
            }
            reads[0] += 100_000;
          } while (System.nanoTime() - start < minReadNanos);
        }
        reads[1] = System.nanoTime() - start;
      }
      return new Result(writeNanos, o.count(), reads[1], reads[0]);
    }
  }

  private static byte[] key(Options o, int v) {
    byte[] k = new byte[o.keySize()];
    ByteBuffer.wrap(k).putInt(v);
    return k;
  }

  /**
   * Formats like Go's {@code time.Duration.String()}: {@code 850ns}, {@code 1.5µs}, {@code
   * 12.3456ms}, {@code 2.000000001s}, {@code 1m30s}, {@code 1h0m0s}.
   *
   * @param nanos the duration in nanoseconds
   * @return Go's notation
   */
  public static String goDuration(long nanos) {
    if (nanos == 0) {
      return "0s";
    }
    String sign = nanos < 0 ? "-" : "";
    long u = Math.abs(nanos);
    if (u < 1_000L) {
      return sign + u + "ns";
    }
    if (u < 1_000_000L) {
      return sign + fraction(u, 1_000L, 3) + "µs";
    }
    if (u < 1_000_000_000L) {
      return sign + fraction(u, 1_000_000L, 6) + "ms";
    }
    long hours = u / 3_600_000_000_000L;
    long rem = u % 3_600_000_000_000L;
    long minutes = rem / 60_000_000_000L;
    long secNanos = rem % 60_000_000_000L;
    StringBuilder b = new StringBuilder(sign);
    if (hours > 0) {
      b.append(hours).append('h');
    }
    if (hours > 0 || minutes > 0) {
      b.append(minutes).append('m');
    }
    return b.append(fraction(secNanos, 1_000_000_000L, 9)).append('s').toString();
  }

  private static String fraction(long v, long unit, int digits) {
    long whole = v / unit;
    long frac = v % unit;
    if (frac == 0) {
      return Long.toString(whole);
    }
    String f = String.format(Locale.ROOT, "%0" + digits + "d", frac).replaceFirst("0+$", "");
    return whole + "." + f;
  }
}
