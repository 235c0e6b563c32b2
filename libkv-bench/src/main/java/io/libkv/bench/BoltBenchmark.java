package io.libkv.bench;

import io.libkv.KVPair;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltOptions;
import io.libkv.bolt.Bucket;
import io.libkv.bolt.Tx;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Arrays;
import java.util.Comparator;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Threads;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The bbolt engine and the {@code boltdb:} store on a file of 100,000 keys (targets: random gets in
 * one read transaction and Store-API gets in exclusive mode at least 1 M ops/s each), and durable
 * puts from eight threads against the fsyncs a single writer can do per second (target: more puts
 * than fsyncs, through shared commits).
 *
 * <p>{@code java -cp 'libkv-bench/target/classes:libkv-bench/target/lib/*' org.openjdk.jmh.Main
 * BoltBenchmark}
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 8, time = 2)
@Measurement(iterations = 5, time = 2)
@Fork(1)
public class BoltBenchmark {
  static final int KEYS = 100_000;
  static final byte[] BUCKET = "libkv".getBytes(StandardCharsets.UTF_8);

  /** Length of every key {@link #key} makes. */
  static final int KEY_BYTES = 16;

  static String key(int i) {
    return String.format("bench/key-%06d", i);
  }

  static Path tempDir() {
    try {
      return Files.createTempDirectory("libkv-bolt-bench");
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  static void delete(Path dir) {
    try (Stream<Path> s = Files.walk(dir)) {
      s.sorted(Comparator.reverseOrder()).forEach(p -> p.toFile().delete());
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** A file of {@link #KEYS} keys, written through the store (so it has the store's layout). */
  @State(Scope.Benchmark)
  public static class Filled {
    Path dir;
    Path file;

    /**
     * All keys back to back ({@link #KEY_BYTES} each): a get builds its key from here, as a caller
     * builds the key it asks for, instead of fetching one of 100,000 scattered objects, whose cache
     * misses would be the benchmark's, not the store's.
     */
    byte[] packedKeys;

    /** Writes the file. */
    @Setup(Level.Trial)
    public void fill() {
      dir = tempDir();
      file = dir.resolve("bench.db");
      packedKeys = new byte[KEYS * KEY_BYTES];
      byte[] value = new byte[100];
      try (Store s = LibKV.open("boltdb:" + file)) {
        for (int from = 0; from < KEYS; from += 1000) {
          java.util.Map<String, byte[]> batch = new java.util.LinkedHashMap<>();
          for (int i = from; i < from + 1000; i++) {
            String k = key(i);
            System.arraycopy(
                k.getBytes(StandardCharsets.UTF_8), 0, packedKeys, i * KEY_BYTES, KEY_BYTES);
            batch.put(k, value);
          }
          s.putAll(batch);
        }
      }
    }

    /** Removes the file. */
    @TearDown(Level.Trial)
    public void remove() {
      delete(dir);
    }
  }

  /** The engine with one read transaction open for the whole trial. */
  @State(Scope.Thread)
  public static class Engine {
    BoltDB db;
    Tx tx;
    Bucket bucket;

    /** Opens the file read-only and begins the transaction. */
    @Setup(Level.Trial)
    public void open(Filled f) {
      db = BoltDB.open(f.file, BoltOptions.builder().readOnly(true).build());
      tx = db.beginRead();
      bucket = tx.bucket(BUCKET).orElseThrow();
    }

    /** Ends it. */
    @TearDown(Level.Trial)
    public void close() {
      tx.close();
      db.close();
    }
  }

  /** A random get in one read transaction. */
  @Benchmark
  @Threads(1)
  public Optional<byte[]> engineRandomGet(Filled f, Engine e) {
    int at = ThreadLocalRandom.current().nextInt(KEYS) * KEY_BYTES;
    return e.bucket.get(Arrays.copyOfRange(f.packedKeys, at, at + KEY_BYTES));
  }

  /** The same from two threads, each in its own read transaction (bbolt's many-readers model). */
  @Benchmark
  @Threads(2)
  public Optional<byte[]> engineRandomGet2Threads(Filled f, Engine e) {
    return engineRandomGet(f, e);
  }

  /** The store on the filled file, exclusive mode (the API's default). */
  @State(Scope.Benchmark)
  public static class OpenStore {
    Store store;

    /** Opens it. */
    @Setup(Level.Trial)
    public void open(Filled f) {
      store = LibKV.open("boltdb:" + f.file);
    }

    /** Closes it. */
    @TearDown(Level.Trial)
    public void close() {
      store.close();
    }
  }

  /** A Store-API get of a random key. */
  @Benchmark
  @Threads(1)
  public KVPair storeGet(Filled f, OpenStore s) {
    int at = ThreadLocalRandom.current().nextInt(KEYS) * KEY_BYTES;
    return s.store.get(new String(f.packedKeys, at, KEY_BYTES, StandardCharsets.ISO_8859_1));
  }

  /** The same from two threads sharing the store (and its read snapshot). */
  @Benchmark
  @Threads(2)
  public KVPair storeGet2Threads(Filled f, OpenStore s) {
    return storeGet(f, s);
  }

  /** An empty store for durable writes (fsync on every commit). */
  @State(Scope.Benchmark)
  public static class WriteStore {
    Path dir;
    Store store;

    /** Opens it. */
    @Setup(Level.Trial)
    public void open() {
      dir = tempDir();
      store = LibKV.open("boltdb:" + dir.resolve("writes.db"));
    }

    /** Closes and removes it. */
    @TearDown(Level.Trial)
    public void close() {
      store.close();
      delete(dir);
    }
  }

  static final byte[] VALUE = new byte[100];

  /** Durable puts from one thread: one commit, and so one fsync, each. */
  @Benchmark
  @Threads(1)
  public void durablePut1Thread(WriteStore w) {
    w.store.put(key(ThreadLocalRandom.current().nextInt(KEYS)), VALUE);
  }

  /** Durable puts from eight threads: writes queued during a commit share the next one. */
  @Benchmark
  @Threads(8)
  public void durablePut8Threads(WriteStore w) {
    w.store.put(key(ThreadLocalRandom.current().nextInt(KEYS)), VALUE);
  }

  /** The baseline: a page written and fsynced (data only) in a file of the same directory. */
  @State(Scope.Benchmark)
  public static class SyncFile {
    Path dir;
    FileChannel ch;
    ByteBuffer page = ByteBuffer.allocate(4096);

    /** Opens it. */
    @Setup(Level.Trial)
    public void open() throws IOException {
      dir = tempDir();
      ch =
          FileChannel.open(
              dir.resolve("sync"), StandardOpenOption.CREATE, StandardOpenOption.WRITE);
    }

    /** Closes and removes it. */
    @TearDown(Level.Trial)
    public void close() throws IOException {
      ch.close();
      delete(dir);
    }
  }

  /** One page write plus fsync: what a single writer's commit rate is bounded by. */
  @Benchmark
  @Threads(1)
  public void fsync(SyncFile s) throws IOException {
    s.page.clear();
    s.ch.write(s.page, 0);
    s.ch.force(false);
  }
}
