package io.libkv.bench;

import io.libkv.KVPair;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.memory.MemoryStore;
import io.libkv.micrometer.MeteredStore;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
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
 * What {@link MeteredStore} adds to a get on {@code memory:}: the same key read through the raw
 * store and through the decorator recording into a {@link SimpleMeterRegistry} (target: under 100
 * ns/op more).
 */
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(1)
@Threads(1)
@State(Scope.Benchmark)
public class MeteredStoreBenchmark {
  private static final int KEYS = 1024;

  private Store raw;
  private Store metered;
  private String[] keys;
  private int i;

  /** Fills the store and wraps it. */
  @Setup(Level.Trial)
  public void setUp() {
    raw = MemoryStore.open("", StoreConfig.DEFAULT);
    metered = MeteredStore.wrap(raw, new SimpleMeterRegistry());
    keys = new String[KEYS];
    byte[] value =
        "a value of some hundred bytes, like a small piece of configuration or an address:port"
            .getBytes(StandardCharsets.UTF_8);
    for (int k = 0; k < KEYS; k++) {
      keys[k] = "bench/dir/key-" + k;
      raw.put(keys[k], value);
    }
  }

  /** Closes the store. */
  @TearDown(Level.Trial)
  public void tearDown() {
    metered.close();
  }

  /** A get of an existing key on the memory store itself. */
  @Benchmark
  public KVPair rawGet() {
    return raw.get(keys[i++ & (KEYS - 1)]);
  }

  /** The same get through the decorator. */
  @Benchmark
  public KVPair meteredGet() {
    return metered.get(keys[i++ & (KEYS - 1)]);
  }
}
