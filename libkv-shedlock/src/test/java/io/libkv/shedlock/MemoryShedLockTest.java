package io.libkv.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.CallNotSupportedException;
import io.libkv.Capabilities;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.memory.MemoryStore;
import io.libkv.util.ForwardingStore;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import net.javacrumbs.shedlock.core.SimpleLock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/** The provider on {@code memory:}. */
class MemoryShedLockTest extends ShedLockContract {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private final String name = "shedlock-" + NAMES.incrementAndGet();

  @Override
  Store openClient() {
    return LibKV.open("memory:" + name);
  }

  @AfterEach
  void drop() {
    MemoryStore.drop(name);
  }

  @Test
  @DisplayName("a store without expiring keys is refused when the provider is made")
  void refusesStoreWithoutExpiringKeys() {
    Store store = client();
    Store noExpiring =
        new ForwardingStore(store) {
          @Override
          public Capabilities capabilities() {
            return Capabilities.builder("memory")
                .ephemeralTtl(Duration.ofMillis(100), Duration.ofMillis(50))
                .build();
          }
        };
    assertThatThrownBy(() -> new LibkvLockProvider(noExpiring, dir))
        .isInstanceOf(CallNotSupportedException.class)
        .hasMessageContaining("expiring");
  }

  @Test
  @DisplayName(
      "the holder's session expiring (its store locks are lost) leaves a ShedLock lock held: it is"
          + " an expiring key, bound by lockAtMostFor, not by the session")
  void sessionExpiryLeavesTheLockHeld() {
    MemoryStore holder = (MemoryStore) client();
    LibkvLockProvider mine = new LibkvLockProvider(holder, dir);
    LibkvLockProvider other = new LibkvLockProvider(client(), dir);
    SimpleLock lock = mine.lock(lockConfig(LOCK_NAME1)).orElseThrow();
    holder.simulateSessionExpiry();
    assertThat(holder.exists(dir + "/" + LOCK_NAME1)).isTrue();
    assertThat(other.lock(lockConfig(LOCK_NAME1))).isEmpty();
    lock.unlock();
    assertThat(other.lock(lockConfig(LOCK_NAME1))).isNotEmpty();
  }
}
