package io.libkv.internal.kit;

import io.libkv.Store;
import io.libkv.spi.AbstractStore;
import io.libkv.util.ForwardingStore;
import java.lang.reflect.Method;
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
   * What {@code store}, or the store below its {@link ForwardingStore} decorators, keeps for
   * watches (its hub's watchers, server-side watches), by kind; empty if it is not built on the
   * SPI's store and cannot say.
   */
  public static Optional<Map<String, Integer>> watchResources(Store store) {
    Store s = unwrap(store);
    return s instanceof AbstractStore
        ? Optional.of(((AbstractStore) s).watchResources())
        : Optional.empty();
  }

  /**
   * The store below any {@link ForwardingStore}s: a decorator keeps nothing for watches in a store,
   * what it wraps does. Its delegate is protected API (for decorators), so it is read here through
   * reflection, within this module.
   */
  private static Store unwrap(Store store) {
    Store s = store;
    while (s instanceof ForwardingStore) {
      try {
        Method m = ForwardingStore.class.getDeclaredMethod("delegate");
        m.setAccessible(true);
        s = (Store) m.invoke(s);
      } catch (ReflectiveOperationException e) {
        throw new IllegalStateException("cannot read the delegate of " + s, e);
      }
    }
    return s;
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
