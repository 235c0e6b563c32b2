package io.libkv.bench;

import io.libkv.KVPair;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.memory.MemoryStore;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
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
 * One-thread get and put throughput of the memory store (targets: get >= 5 M ops/s, put >= 1 M
 * ops/s).
 */
@BenchmarkMode(Mode.Throughput)
@OutputTimeUnit(TimeUnit.SECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Benchmark)
public class MemoryStoreBenchmark {
  private static final int KEYS = 1024;

  private Store store;
  private String[] keys;
  private byte[] value;
  private int i;

  /** Fills the store. */
  @Setup(Level.Trial)
  public void setUp() {
    store = MemoryStore.open("", StoreConfig.DEFAULT);
    keys = new String[KEYS];
    value =
        "a value of some hundred bytes, like a small piece of configuration or an address:port"
            .getBytes(StandardCharsets.UTF_8);
    for (int k = 0; k < KEYS; k++) {
      keys[k] = "bench/dir/key-" + k;
      store.put(keys[k], value);
    }
  }

  /** Closes the store. */
  @TearDown(Level.Trial)
  public void tearDown() {
    store.close();
  }

  /** A get of an existing key. */
  @Benchmark
  public KVPair get() {
    return store.get(keys[i++ & (KEYS - 1)]);
  }

  /** A plain put over an existing key. */
  @Benchmark
  public void put() {
    store.put(keys[i++ & (KEYS - 1)], value);
  }
}
