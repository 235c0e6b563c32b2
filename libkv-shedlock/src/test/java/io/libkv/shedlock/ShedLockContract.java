package io.libkv.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.Capabilities;
import io.libkv.Store;
import io.libkv.TtlTooShortException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import net.javacrumbs.shedlock.core.DefaultLockingTaskExecutor;
import net.javacrumbs.shedlock.core.ExtensibleLockProvider;
import net.javacrumbs.shedlock.core.LockingTaskExecutor;
import net.javacrumbs.shedlock.core.SimpleLock;
import net.javacrumbs.shedlock.test.support.AbstractExtensibleLockProviderIntegrationTest;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * ShedLock's own provider tests ({@code shedlock-test-support}) and the scenarios they leave out
 * (two clients, a late holder, bounded contention), on one backend. Each subclass gives clients of
 * one store's data; ShedLock's tests that use TTLs below a backend's minimum expiring TTL (50 ms, 2
 * ms) run here with the backend's minimum, and every wait for an expiry adds the backend's
 * granularity.
 */
abstract class ShedLockContract extends AbstractExtensibleLockProviderIntegrationTest {
  private final List<Store> clients = new ArrayList<>();
  private LibkvLockProvider provider;
  final String dir = "shedlock/" + getClass().getSimpleName();

  /** A new client of the data every other client of this test shares. */
  abstract Store openClient();

  final Store client() {
    Store s = openClient();
    clients.add(s);
    return s;
  }

  private Store first() {
    getLockProvider();
    return clients.get(0);
  }

  @AfterEach
  void closeAll() {
    clients.forEach(Store::close);
  }

  @Override
  protected ExtensibleLockProvider getLockProvider() {
    if (provider == null) {
      provider = new LibkvLockProvider(client(), dir);
    }
    return provider;
  }

  @Override
  protected void assertUnlocked(String lockName) {
    assertThat(first().exists(dir + "/" + lockName)).as("%s is free", lockName).isFalse();
  }

  @Override
  protected void assertLocked(String lockName) {
    assertThat(first().exists(dir + "/" + lockName)).as("%s is held", lockName).isTrue();
  }

  Capabilities capabilities() {
    return first().capabilities();
  }

  /** The shortest lockAtMostFor the backend takes (at least 50 ms, ShedLock's own). */
  Duration shortest() {
    Duration min = capabilities().minExpiringTtl();
    return min.compareTo(Duration.ofMillis(50)) > 0 ? min : Duration.ofMillis(50);
  }

  /** How long a lock of {@code lockAtMostFor} may still be seen: its TTL, granularity, slack. */
  Duration expiry(Duration lockAtMostFor) {
    return lockAtMostFor.plus(capabilities().expiringTtlGranularity()).plusMillis(500);
  }

  @Test
  @Override
  public void shouldTimeout() {
    Duration most = shortest();
    Optional<SimpleLock> lock1 =
        getLockProvider().lock(lockConfig(LOCK_NAME1, most, Duration.ZERO));
    assertThat(lock1).isNotEmpty();
    sleepFor(expiry(most));
    assertUnlocked(LOCK_NAME1);
    Optional<SimpleLock> lock2 =
        getLockProvider().lock(lockConfig(LOCK_NAME1, most, Duration.ZERO));
    assertThat(lock2).isNotEmpty();
    lock2.get().unlock();
  }

  @Test
  @Override
  public void shouldNotBeAbleToExtendExpiredLock() {
    Duration most = shortest();
    Optional<SimpleLock> lock = getLockProvider().lock(lockConfig(LOCK_NAME1, most, Duration.ZERO));
    assertThat(lock).isNotEmpty();
    sleepFor(expiry(most));
    assertThat(lock.get().extend(Duration.ofSeconds(10), Duration.ZERO)).isEmpty();
    assertUnlocked(LOCK_NAME1);
  }

  @Test
  @Override
  public void shouldLockAtLeastFor() throws InterruptedException {
    doTestShouldLockAtLeastFor(
        (int) capabilities().expiringTtlGranularity().plusMillis(500).toMillis());
  }

  @Test
  @DisplayName("a lockAtMostFor below the backend's minimum expiring TTL is refused, not rounded")
  void tooShortIsRefused() {
    Duration tooShort = capabilities().minExpiringTtl().dividedBy(2);
    assertThatThrownBy(
            () -> getLockProvider().lock(lockConfig(LOCK_NAME1, tooShort, Duration.ZERO)))
        .isInstanceOf(TtlTooShortException.class);
    assertUnlocked(LOCK_NAME1);
  }

  @Test
  @DisplayName(
      "two clients: the lock is exclusive across them and free for the other once unlocked")
  void exclusiveAcrossClients() {
    LibkvLockProvider other = new LibkvLockProvider(client(), dir);
    Optional<SimpleLock> mine = getLockProvider().lock(lockConfig(LOCK_NAME1));
    assertThat(mine).isNotEmpty();
    assertThat(other.lock(lockConfig(LOCK_NAME1))).isEmpty();
    mine.get().unlock();
    Optional<SimpleLock> theirs = other.lock(lockConfig(LOCK_NAME1));
    assertThat(theirs).isNotEmpty();
    assertThat(getLockProvider().lock(lockConfig(LOCK_NAME1))).isEmpty();
    theirs.get().unlock();
    assertUnlocked(LOCK_NAME1);
  }

  @Test
  @DisplayName(
      "a holder past lockAtMostFor: another takes the lock; the late holder's unlock and extend"
          + " leave the new holder's lock alone")
  void lateHolderTouchesNothing() {
    LibkvLockProvider other = new LibkvLockProvider(client(), dir);
    Duration most = shortest();
    SimpleLock late = getLockProvider().lock(lockConfig(LOCK_NAME1, most, Duration.ZERO)).get();
    SimpleLock lateToo = getLockProvider().lock(lockConfig("late2", most, Duration.ZERO)).get();
    sleepFor(expiry(most));
    SimpleLock now = other.lock(lockConfig(LOCK_NAME1)).get();
    SimpleLock nowToo = other.lock(lockConfig("late2")).get();
    late.unlock();
    assertThat(lateToo.extend(Duration.ofMinutes(5), Duration.ZERO)).isEmpty();
    assertLocked(LOCK_NAME1);
    assertLocked("late2");
    assertThat(getLockProvider().lock(lockConfig(LOCK_NAME1))).isEmpty();
    now.unlock();
    nowToo.unlock();
  }

  @Test
  @DisplayName(
      "concurrent contenders on two clients: every run that got the lock ran alone (no lost"
          + " update)")
  void concurrentContenders() throws Exception {
    List<LockingTaskExecutor> executors =
        List.of(
            new DefaultLockingTaskExecutor(getLockProvider()),
            new DefaultLockingTaskExecutor(new LibkvLockProvider(client(), dir)));
    int[] counter = new int[1];
    AtomicInteger runs = new AtomicInteger();
    ExecutorService threads = Executors.newFixedThreadPool(4);
    try {
      List<Future<?>> done = new ArrayList<>();
      for (int t = 0; t < 4; t++) {
        LockingTaskExecutor executor = executors.get(t % 2);
        done.add(
            threads.submit(
                () -> {
                  // bounded: a fixed number of attempts, each a run or a skip
                  for (int i = 0; i < 60; i++) {
                    executor.executeWithLock(
                        (Runnable)
                            () -> {
                              int n = counter[0];
                              sleepFor(Duration.ofMillis(2));
                              counter[0] = n + 1;
                              runs.incrementAndGet();
                            },
                        lockConfig(LOCK_NAME1));
                    sleepFor(Duration.ofMillis(1));
                  }
                  return null;
                }));
      }
      for (Future<?> f : done) {
        f.get(120, TimeUnit.SECONDS);
      }
    } finally {
      threads.shutdownNow();
    }
    assertThat(runs.get()).isPositive();
    assertThat(counter[0]).isEqualTo(runs.get());
    assertUnlocked(LOCK_NAME1);
  }
}
