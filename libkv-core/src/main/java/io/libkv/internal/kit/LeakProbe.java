package io.libkv.internal.kit;

import io.libkv.Store;
import io.libkv.spi.AbstractStore;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * What the conformance kit's leak check reads from core: how many watch channels and keep-alives
 * are live in this JVM, and what a store keeps for its watches. Exported to the kit alone, so
 * neither users nor backends come to depend on it; the SPI classes report into it.
 */
public final class LeakProbe {
  private static final AtomicInteger CHANNELS = new AtomicInteger();
  private static final AtomicInteger KEEP_ALIVES = new AtomicInteger();

  private LeakProbe() {}

  /** How many watch channels in this JVM are neither closed nor failed. */
  public static int openChannels() {
    return CHANNELS.get();
  }

  /** How many keep-alives run in this JVM. */
  public static int activeKeepAlives() {
    return KEEP_ALIVES.get();
  }

  /**
   * What {@code store} keeps for watches (its hub's watchers, server-side watches), by kind; empty
   * if it is not built on the SPI's store and cannot say.
   */
  public static Optional<Map<String, Integer>> watchResources(Store store) {
    return store instanceof AbstractStore
        ? Optional.of(((AbstractStore) store).watchResources())
        : Optional.empty();
  }

  /** A watch channel was made. */
  public static void channelOpened() {
    CHANNELS.incrementAndGet();
  }

  /** A watch channel was closed or failed (once per channel). */
  public static void channelEnded() {
    CHANNELS.decrementAndGet();
  }

  /** A keep-alive started. */
  public static void keepAliveStarted() {
    KEEP_ALIVES.incrementAndGet();
  }

  /** A keep-alive stopped (once per keep-alive). */
  public static void keepAliveStopped() {
    KEEP_ALIVES.decrementAndGet();
  }
}
