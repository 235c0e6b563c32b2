package io.libkv.shedlock;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.Capabilities;
import io.libkv.Store;
import io.libkv.StoreUnavailableException;
import io.libkv.TtlTooShortException;
import io.libkv.UnknownOutcomeException;
import io.libkv.faults.Calls;
import io.libkv.faults.Fault;
import io.libkv.faults.FaultInjectingStore;
import io.libkv.faults.Operation;
import io.libkv.faults.WriteOutcome;
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
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
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

  /**
   * The provider under the faults of {@link FaultInjectingStore}, wrapping one client; another
   * provider on another client of the same data stands for a second process. The safety asserted
   * throughout: never two holders at once, and never a holder's lock removed by another.
   */
  @Nested
  @DisplayName("under injected faults (FaultInjectingStore)")
  class UnderInjectedFaults {
    private FaultInjectingStore faulty;
    private LibkvLockProvider mine;
    private LibkvLockProvider other;

    @BeforeEach
    void wrap() {
      faulty = FaultInjectingStore.wrap(client());
      mine = new LibkvLockProvider(faulty, dir);
      other = new LibkvLockProvider(client(), dir);
    }

    private boolean held(String name) {
      return faulty.delegate().exists(dir + "/" + name);
    }

    @Test
    @DisplayName(
        "lock()'s create applied with its answer lost: lock() throws UnknownOutcomeException, no"
            + " one holds it (ShedLock skips the run) until lockAtMostFor ends it")
    void createAppliedOutcomeLost() {
      Duration most = shortest();
      faulty.unknownOutcome(WriteOutcome.applied(), Calls.of(Operation.ATOMIC_CREATE).first(1));
      assertThatThrownBy(() -> mine.lock(lockConfig(LOCK_NAME1, most, Duration.ZERO)))
          .isInstanceOf(UnknownOutcomeException.class);
      assertThat(held(LOCK_NAME1)).isTrue();
      assertThat(other.lock(lockConfig(LOCK_NAME1))).as("the second provider").isEmpty();
      assertThat(mine.lock(lockConfig(LOCK_NAME1))).as("the first provider again").isEmpty();
      sleepFor(expiry(most));
      SimpleLock theirs = other.lock(lockConfig(LOCK_NAME1)).orElseThrow();
      assertThat(mine.lock(lockConfig(LOCK_NAME1))).isEmpty();
      theirs.unlock();
    }

    @Test
    @DisplayName(
        "lock()'s create not applied with its answer lost: lock() throws UnknownOutcomeException"
            + " and the lock is free for one other holder")
    void createNotAppliedOutcomeLost() {
      faulty.unknownOutcome(WriteOutcome.notApplied(), Calls.of(Operation.ATOMIC_CREATE).first(1));
      assertThatThrownBy(() -> mine.lock(lockConfig(LOCK_NAME1)))
          .isInstanceOf(UnknownOutcomeException.class);
      assertThat(held(LOCK_NAME1)).isFalse();
      SimpleLock theirs = other.lock(lockConfig(LOCK_NAME1)).orElseThrow();
      assertThat(mine.lock(lockConfig(LOCK_NAME1))).isEmpty();
      theirs.unlock();
    }

    @Test
    @DisplayName(
        "unlock()'s delete applied with its answer lost: the lock is free; once another holds"
            + " it, the first holder's unlock and extend leave the other's lock alone")
    void unlockAppliedOutcomeLost() {
      SimpleLock lock = mine.lock(lockConfig(LOCK_NAME1)).orElseThrow();
      faulty.unknownOutcome(WriteOutcome.applied(), Calls.writes().first(1));
      assertThatThrownBy(lock::unlock).isInstanceOf(UnknownOutcomeException.class);
      assertThat(held(LOCK_NAME1)).isFalse();
      SimpleLock theirs = other.lock(lockConfig(LOCK_NAME1)).orElseThrow();
      lock.unlock();
      assertThat(held(LOCK_NAME1)).as("the other's lock stays").isTrue();
      assertThat(mine.lock(lockConfig(LOCK_NAME1))).isEmpty();
      theirs.unlock();
      assertThat(held(LOCK_NAME1)).isFalse();
    }

    @Test
    @DisplayName(
        "unlock()'s delete not applied with its answer lost: the lock is still held (until its"
            + " TTL, or an unlock that goes through), and no one else takes it meanwhile")
    void unlockNotAppliedOutcomeLost() {
      Duration most = shortest();
      SimpleLock lock = mine.lock(lockConfig(LOCK_NAME1, most, Duration.ZERO)).orElseThrow();
      SimpleLock kept = mine.lock(lockConfig("kept")).orElseThrow();
      faulty.unknownOutcome(WriteOutcome.notApplied(), Calls.writes().first(2));
      assertThatThrownBy(lock::unlock).isInstanceOf(UnknownOutcomeException.class);
      assertThatThrownBy(kept::unlock).isInstanceOf(UnknownOutcomeException.class);
      assertThat(held(LOCK_NAME1)).isTrue();
      assertThat(other.lock(lockConfig(LOCK_NAME1))).isEmpty();
      kept.unlock();
      assertThat(held("kept")).as("an unlock that goes through frees it").isFalse();
      sleepFor(expiry(most));
      assertThat(held(LOCK_NAME1)).as("the TTL ends it").isFalse();
      other.lock(lockConfig(LOCK_NAME1)).orElseThrow().unlock();
    }

    @Test
    @DisplayName(
        "extend()'s rewrite with its answer lost (applied or not): extend throws, the lock stays"
            + " held until a TTL (the old or the new), no one else takes it meanwhile")
    void extendOutcomeLost() {
      Duration most = shortest();
      SimpleLock applied = mine.lock(lockConfig(LOCK_NAME1)).orElseThrow();
      SimpleLock notApplied = mine.lock(lockConfig("not-applied", most, Duration.ZERO)).get();
      faulty.unknownOutcome(WriteOutcome.applied(), Calls.writes().first(1));
      assertThatThrownBy(() -> applied.extend(most, Duration.ZERO))
          .isInstanceOf(UnknownOutcomeException.class);
      faulty.unknownOutcome(WriteOutcome.notApplied(), Calls.writes().first(1));
      assertThatThrownBy(() -> notApplied.extend(Duration.ofMinutes(5), Duration.ZERO))
          .isInstanceOf(UnknownOutcomeException.class);
      assertThat(other.lock(lockConfig(LOCK_NAME1))).isEmpty();
      assertThat(other.lock(lockConfig("not-applied"))).isEmpty();
      // the applied extension's write is not the holder's any more: its unlock leaves it to expire
      applied.unlock();
      assertThat(held(LOCK_NAME1)).isTrue();
      sleepFor(expiry(most));
      assertThat(held(LOCK_NAME1)).as("the new TTL ends it").isFalse();
      assertThat(held("not-applied")).as("the old TTL ends it").isFalse();
      other.lock(lockConfig(LOCK_NAME1)).orElseThrow().unlock();
      other.lock(lockConfig("not-applied")).orElseThrow().unlock();
    }

    @Test
    @DisplayName(
        "a store refusing calls: lock() throws StoreUnavailableException (ShedLock's executor"
            + " does not run the task); a refused unlock throws and leaves the lock to its TTL")
    void refusedCallsThrow() {
      AtomicInteger ran = new AtomicInteger();
      try (Fault refused = faulty.refuse(Calls.all())) {
        assertThatThrownBy(() -> mine.lock(lockConfig(LOCK_NAME1)))
            .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(
                () ->
                    new DefaultLockingTaskExecutor(mine)
                        .executeWithLock((Runnable) ran::incrementAndGet, lockConfig(LOCK_NAME1)))
            .isInstanceOf(StoreUnavailableException.class);
        assertThat(refused.fired()).isEqualTo(2);
      }
      assertThat(ran).hasValue(0);
      assertThat(held(LOCK_NAME1)).isFalse();
      Duration most = shortest();
      SimpleLock lock = mine.lock(lockConfig(LOCK_NAME1, most, Duration.ZERO)).orElseThrow();
      try (Fault refused = faulty.refuse(Calls.all())) {
        assertThatThrownBy(lock::unlock).isInstanceOf(StoreUnavailableException.class);
        assertThat(refused.fired()).isEqualTo(1);
      }
      assertThat(other.lock(lockConfig(LOCK_NAME1))).isEmpty();
      sleepFor(expiry(most));
      other.lock(lockConfig(LOCK_NAME1)).orElseThrow().unlock();
    }

    @Test
    @DisplayName(
        "the holder's session lost: the lock (an expiring key, not a session's) stays held, the"
            + " holder's unlock fails as unavailable meanwhile and goes through after heal()")
    void sessionLossLeavesTheLockHeld() {
      SimpleLock lock = mine.lock(lockConfig(LOCK_NAME1)).orElseThrow();
      faulty.loseSession();
      assertThat(held(LOCK_NAME1)).isTrue();
      assertThat(other.lock(lockConfig(LOCK_NAME1))).isEmpty();
      assertThatThrownBy(lock::unlock).isInstanceOf(StoreUnavailableException.class);
      assertThat(held(LOCK_NAME1)).isTrue();
      faulty.heal();
      lock.unlock();
      assertThat(held(LOCK_NAME1)).isFalse();
      other.lock(lockConfig(LOCK_NAME1)).orElseThrow().unlock();
    }

    @Test
    @DisplayName(
        "extend() delayed past lockAtMostFor: it returns empty, and leaves the lock free or, if"
            + " another took it meanwhile, the other's lock alone")
    void extendDelayedPastLockAtMostFor() throws Exception {
      Duration most = shortest();
      SimpleLock lock = mine.lock(lockConfig(LOCK_NAME1, most, Duration.ZERO)).orElseThrow();
      try (Fault delayed = faulty.delay(expiry(most), Calls.of(Operation.ATOMIC_PUT))) {
        assertThat(lock.extend(Duration.ofMinutes(5), Duration.ZERO)).isEmpty();
        assertThat(delayed.fired()).isEqualTo(1);
      }
      assertThat(held(LOCK_NAME1)).isFalse();

      SimpleLock late = mine.lock(lockConfig(LOCK_NAME1, most, Duration.ZERO)).orElseThrow();
      ExecutorService thread = Executors.newSingleThreadExecutor();
      Fault delayed = faulty.delay(Duration.ofMinutes(1), Calls.of(Operation.ATOMIC_PUT));
      try {
        Future<Optional<SimpleLock>> extended =
            thread.submit(() -> late.extend(Duration.ofMinutes(5), Duration.ZERO));
        Optional<SimpleLock> theirs = Optional.empty();
        long deadline = System.nanoTime() + expiry(most).multipliedBy(4).toNanos();
        while (theirs.isEmpty() && System.nanoTime() < deadline) {
          sleepFor(Duration.ofMillis(50));
          theirs = other.lock(lockConfig(LOCK_NAME1));
        }
        assertThat(theirs).as("another takes the expired lock").isNotEmpty();
        delayed.close();
        assertThat(extended.get(20, TimeUnit.SECONDS)).isEmpty();
        assertThat(held(LOCK_NAME1)).as("the other's lock stays").isTrue();
        assertThat(mine.lock(lockConfig(LOCK_NAME1))).isEmpty();
        theirs.get().unlock();
      } finally {
        delayed.close();
        thread.shutdownNow();
      }
    }
  }
}
