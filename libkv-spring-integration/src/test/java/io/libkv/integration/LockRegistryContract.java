package io.libkv.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.libkv.InvalidKeyException;
import io.libkv.LockLease;
import io.libkv.LockLostException;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.StoreUnavailableException;
import io.libkv.UnknownOutcomeException;
import io.libkv.faults.Calls;
import io.libkv.faults.Fault;
import io.libkv.faults.FaultInjectingStore;
import io.libkv.util.ForwardingStore;
import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.concurrent.locks.Lock;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.springframework.integration.leader.Candidate;
import org.springframework.integration.leader.Context;
import org.springframework.integration.support.leader.LockRegistryLeaderInitiator;

/**
 * What {@link LibkvLockRegistry} and {@link LibkvLock} promise, on one backend: each subclass gives
 * clients of one store's data (two clients stand for two processes).
 */
// the tests lock and unlock step by step on purpose, to see each state in between
@SuppressWarnings("LockNotBeforeTry")
abstract class LockRegistryContract {
  static final Duration WAIT = Duration.ofSeconds(20);

  private final List<Store> clients = new ArrayList<>();
  private final List<LockRegistryLeaderInitiator> initiators = new ArrayList<>();
  final ExecutorService threads = Executors.newCachedThreadPool();
  // one thread for a second holder: a lock it takes in one task it unlocks in the next
  private final ExecutorService otherHolder = Executors.newSingleThreadExecutor();
  String dir = "";

  /** A new client of the data every other client of this test shares. */
  abstract Store openClient();

  final Store client() {
    Store s = openClient();
    clients.add(s);
    return s;
  }

  @BeforeEach
  void directory(TestInfo info) {
    dir =
        "locks/" + getClass().getSimpleName() + "/" + info.getTestMethod().orElseThrow().getName();
  }

  @AfterEach
  void closeAll() throws InterruptedException {
    initiators.forEach(LockRegistryLeaderInitiator::stop);
    threads.shutdownNow();
    otherHolder.shutdownNow();
    assertThat(threads.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    assertThat(otherHolder.awaitTermination(20, TimeUnit.SECONDS)).isTrue();
    clients.forEach(Store::close);
  }

  LibkvLockRegistry registry() {
    return new LibkvLockRegistry(client(), dir);
  }

  <T> Future<T> inThread(java.util.concurrent.Callable<T> task) {
    return threads.submit(task);
  }

  /** Runs {@code task} on the second holder's thread, always the same one, and waits for it. */
  <T> T asOtherHolder(java.util.concurrent.Callable<T> task) throws Exception {
    return otherHolder.submit(task).get(WAIT.toSeconds(), TimeUnit.SECONDS);
  }

  /** Unlocks {@code lock} on the second holder's thread. */
  void unlockAsOtherHolder(Lock lock) throws Exception {
    asOtherHolder(
        () -> {
          lock.unlock();
          return null;
        });
  }

  /** A task running on its own thread, started: its thread (to interrupt) and its result. */
  record Waiting<T>(Thread thread, Future<T> result) {
    T get() throws Exception {
      return result.get(WAIT.toSeconds(), TimeUnit.SECONDS);
    }
  }

  /** Runs {@code task} on a new thread and returns once that thread has started it. */
  <T> Waiting<T> startWaiting(java.util.concurrent.Callable<T> task) throws InterruptedException {
    CountDownLatch started = new CountDownLatch(1);
    AtomicReference<Thread> thread = new AtomicReference<>();
    Future<T> result =
        inThread(
            () -> {
              thread.set(Thread.currentThread());
              started.countDown();
              return task.call();
            });
    started.await();
    return new Waiting<>(thread.get(), result);
  }

  @Test
  @DisplayName("lock() holds the store key until unlock(); meanwhile another client cannot lock")
  void lockHoldsTheKeyUntilUnlock() {
    Store store = client();
    LibkvLock a = new LibkvLockRegistry(store, dir).obtain("job");
    LibkvLock b = registry().obtain("job");
    a.lock();
    assertThat(store.exists(dir + "/job")).isTrue();
    assertThat(b.tryLock()).isFalse();
    a.unlock();
    assertThat(store.exists(dir + "/job")).isFalse();
    assertThat(b.tryLock()).isTrue();
    b.unlock();
  }

  @Test
  @DisplayName(
      "reentrant per thread: the holder re-acquires at once, same lease, and unlocks as often")
  void reentrantPerThread() throws Exception {
    LibkvLock a = registry().obtain("job");
    LibkvLock b = registry().obtain("job");
    a.lock();
    long token = a.lease().fencingToken();
    assertThat(a.tryLock()).isTrue();
    a.lockInterruptibly();
    assertThat(a.tryLock(1, TimeUnit.MILLISECONDS)).isTrue();
    assertThat(a.lease().fencingToken()).isEqualTo(token);
    a.unlock();
    a.unlock();
    a.unlock();
    assertThat(b.tryLock()).as("one hold left").isFalse();
    a.unlock();
    assertThat(b.tryLock()).isTrue();
    assertThat(b.lease().fencingToken()).isGreaterThan(token);
    b.unlock();
  }

  @Test
  @DisplayName(
      "another thread can neither unlock the lock nor take it; unlock without a hold fails")
  void otherThreadCannotUnlock() throws Exception {
    LibkvLock a = registry().obtain("job");
    LibkvLock b = registry().obtain("job");
    assertThatThrownBy(a::unlock).isInstanceOf(IllegalMonitorStateException.class);
    a.lock();
    assertThat(inThread(() -> catchUnlock(a)).get())
        .isInstanceOf(IllegalMonitorStateException.class);
    assertThat(inThread(a::tryLock).get()).isFalse();
    assertThatThrownBy(() -> inThread(a::lease).get())
        .hasCauseInstanceOf(IllegalMonitorStateException.class);
    assertThat(b.tryLock()).as("still held").isFalse();
    a.unlock();
    assertThat(b.tryLock()).isTrue();
    b.unlock();
  }

  private static Throwable catchUnlock(Lock lock) {
    try {
      lock.unlock();
      return new AssertionError("unlock from another thread succeeded");
    } catch (RuntimeException e) {
      return e;
    }
  }

  @Test
  @DisplayName("newCondition() is unsupported; the lease refuses close(); keys are Strings")
  void unsupported() {
    LibkvLockRegistry registry = registry();
    LibkvLock a = registry.obtain("job");
    assertThatThrownBy(a::newCondition).isInstanceOf(UnsupportedOperationException.class);
    a.lock();
    LockLease lease = a.lease();
    assertThatThrownBy(lease::close).isInstanceOf(UnsupportedOperationException.class);
    assertThat(lease.isHeld()).isTrue();
    a.unlock();
    assertThat(lease.isHeld()).isFalse();
    assertThat(registry.obtain("job")).isSameAs(a);
    assertThat(registry.obtain("job/")).as("canonical key").isSameAs(a);
    assertThatThrownBy(() -> registry.obtain(42)).isInstanceOf(IllegalArgumentException.class);
    assertThatThrownBy(() -> registry.obtain("a//b")).isInstanceOf(InvalidKeyException.class);
  }

  @Test
  @DisplayName("tryLock(timeout) gives up after the timeout, and acquires when the holder unlocks")
  void tryLockWaits() throws Exception {
    LibkvLock a = registry().obtain("job");
    LibkvLock b = registry().obtain("job");
    a.lock();
    long start = System.nanoTime();
    assertThat(inThread(() -> b.tryLock(300, TimeUnit.MILLISECONDS)).get()).isFalse();
    assertThat(Duration.ofNanos(System.nanoTime() - start)).isGreaterThanOrEqualTo(ms(300));
    Waiting<Boolean> later =
        startWaiting(
            () -> {
              boolean got = b.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS);
              if (got) {
                b.unlock();
              }
              return got;
            });
    Thread.sleep(200);
    assertThat(later.result()).isNotDone();
    a.unlock();
    assertThat(later.get()).isTrue();
  }

  @Test
  @DisplayName("lockInterruptibly() stops on interrupt and leaves nothing held or queued")
  void lockInterruptiblyStops() throws Exception {
    LibkvLock a = registry().obtain("job");
    LibkvLock b = registry().obtain("job");
    a.lock();
    Waiting<Object> waiter =
        startWaiting(
            () -> {
              try {
                b.lockInterruptibly();
                return "acquired";
              } catch (InterruptedException e) {
                return e;
              }
            });
    Thread.sleep(200);
    waiter.thread().interrupt();
    assertThat(waiter.get()).isInstanceOf(InterruptedException.class);
    a.unlock();
    assertThat(b.tryLock()).as("b's local lock and store queue are free").isTrue();
    b.unlock();
    assertThat(a.tryLock()).isTrue();
    a.unlock();
  }

  @Test
  @DisplayName("lock() is not interruptible: it acquires once free, with the interrupt re-asserted")
  void lockIgnoresInterrupt() throws Exception {
    LibkvLock a = registry().obtain("job");
    LibkvLock b = registry().obtain("job");
    a.lock();
    Waiting<Boolean> waiter =
        startWaiting(
            () -> {
              b.lock();
              boolean interrupted = Thread.interrupted();
              b.unlock();
              return interrupted;
            });
    Thread.sleep(100);
    waiter.thread().interrupt();
    Thread.sleep(300);
    assertThat(waiter.result()).as("still waiting after the interrupt").isNotDone();
    a.unlock();
    assertThat(waiter.get()).isTrue();
  }

  @Test
  @DisplayName(
      "two registries on two clients contend: one holder at a time, fencing tokens increase")
  void mutualExclusion() throws Exception {
    LibkvLockRegistry r1 = registry();
    LibkvLockRegistry r2 = registry();
    AtomicInteger inside = new AtomicInteger();
    AtomicInteger overlaps = new AtomicInteger();
    AtomicLong lastToken = new AtomicLong();
    List<Long> tokensOutOfOrder = new CopyOnWriteArrayList<>();
    AtomicInteger sections = new AtomicInteger();
    List<Future<?>> workers = new ArrayList<>();
    for (LibkvLockRegistry r : List.of(r1, r2, r1, r2)) {
      workers.add(
          inThread(
              () -> {
                LibkvLock lock = r.obtain("counter");
                for (int i = 0; i < 5; i++) {
                  lock.lock();
                  try {
                    if (inside.incrementAndGet() != 1) {
                      overlaps.incrementAndGet();
                    }
                    long token = lock.lease().fencingToken();
                    if (token <= lastToken.get()) {
                      tokensOutOfOrder.add(token);
                    }
                    lastToken.set(token);
                    Thread.sleep(5);
                    sections.incrementAndGet();
                    inside.decrementAndGet();
                  } finally {
                    lock.unlock();
                  }
                }
                return null;
              }));
    }
    for (Future<?> w : workers) {
      w.get(60, TimeUnit.SECONDS);
    }
    assertThat(sections).hasValue(20);
    assertThat(overlaps).hasValue(0);
    assertThat(tokensOutOfOrder).isEmpty();
  }

  @Test
  @DisplayName("expireUnusedOlderThan forgets idle locks only; a forgotten lock still excludes")
  void expireUnused() throws Exception {
    LibkvLockRegistry registry = registry();
    LibkvLock held = registry.obtain("held");
    LibkvLock idle = registry.obtain("idle");
    held.lock();
    Thread.sleep(20);
    registry.expireUnusedOlderThan(10);
    assertThat(registry.obtain("held")).isSameAs(held);
    LibkvLock fresh = registry.obtain("idle");
    assertThat(fresh).isNotSameAs(idle);
    idle.lock();
    assertThat(inThread(fresh::tryLock).get()).isFalse();
    idle.unlock();
    held.unlock();
  }

  @Test
  @DisplayName(
      "LockRegistryLeaderInitiator: one leader of two at a time; leadership moves when it stops")
  void leaderInitiatorMovesOnStop() throws Exception {
    Leader one = leader("one", registry());
    Leader two = leader("two", registry());
    await().atMost(WAIT).until(() -> one.isLeader() || two.isLeader());
    // steady state: the follower's heartbeats keep failing, never two leaders
    long until = System.nanoTime() + ms(1000).toNanos();
    while (System.nanoTime() < until) {
      assertThat(one.isLeader() && two.isLeader()).as("two leaders").isFalse();
      Thread.sleep(10);
    }
    Leader first = one.isLeader() ? one : two;
    Leader second = first == one ? two : one;
    long firstToken = first.tokens.get(0);
    first.initiator.stop();
    await().atMost(WAIT).until(() -> second.isLeader());
    await().atMost(WAIT).untilAsserted(() -> assertThat(first.revoked).hasValue(1));
    assertThat(first.isLeader()).isFalse();
    assertThat(second.tokens).hasSize(1);
    assertThat(second.tokens.get(0)).isGreaterThan(firstToken);
  }

  /**
   * The adapter under the faults of {@link FaultInjectingStore}, wrapping one client: its session
   * lost and healed, its calls refused. Other clients of the same data stand for other processes.
   */
  @Nested
  @DisplayName("under injected faults (FaultInjectingStore)")
  class UnderInjectedFaults {
    private FaultInjectingStore faulty;
    private LibkvLockRegistry faultyRegistry;

    @BeforeEach
    void wrap() {
      faulty = FaultInjectingStore.wrap(client());
      faultyRegistry = new LibkvLockRegistry(faulty, dir);
    }

    @Test
    @DisplayName(
        "a session lost while the lock is held: lost() completes, another client takes the lock,"
            + " unlock() throws LockLostException; after heal() lock() acquires afresh with a"
            + " greater fencing token")
    void sessionLossWhileHeld() throws Exception {
      LibkvLock a = faultyRegistry.obtain("job");
      LibkvLock b = registry().obtain("job");
      a.lock();
      LockLease lease = a.lease();
      long lostToken = lease.fencingToken();
      Fault loss = faulty.loseSession();
      lease.lost().get(WAIT.toSeconds(), TimeUnit.SECONDS);
      assertThat(lease.isHeld()).isFalse();
      assertThat(asOtherHolder(() -> b.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS)))
          .as("another client takes the lock while this one's session is lost")
          .isTrue();
      assertThatThrownBy(a::unlock).isInstanceOf(LockLostException.class);
      assertThat(a.isHeldByCurrentThread()).isFalse();
      assertThat(faulty.delegate().exists(dir + "/job")).as("the new holder's key stays").isTrue();
      assertThatThrownBy(a::tryLock)
          .as("while the session is lost an acquisition fails as unavailable")
          .isInstanceOf(StoreUnavailableException.class);
      assertThat(a.isHeldByCurrentThread()).isFalse();
      loss.close();
      unlockAsOtherHolder(b);
      a.lock();
      assertThat(a.lease().fencingToken()).isGreaterThan(lostToken);
      a.unlock();
      assertThat(faulty.delegate().exists(dir + "/job")).isFalse();
    }

    @Test
    @DisplayName(
        "a store refusing calls: tryLock(timeout), tryLock() and lock() throw"
            + " StoreUnavailableException with nothing held, never a silent false; they acquire once"
            + " the refusal ends")
    void refusedAcquisitionThrows() throws Exception {
      LibkvLock a = faultyRegistry.obtain("job");
      try (Fault refused = faulty.refuse(Calls.all())) {
        assertThatThrownBy(() -> a.tryLock(1, TimeUnit.SECONDS))
            .isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(a::tryLock).isInstanceOf(StoreUnavailableException.class);
        assertThatThrownBy(a::lock).isInstanceOf(StoreUnavailableException.class);
        assertThat(refused.fired()).isEqualTo(3);
      }
      assertThat(a.isHeldByCurrentThread()).isFalse();
      assertThat(inThread(() -> a.tryLock()).get())
          .as("no thread was left holding the local lock")
          .isTrue();
      assertThat(faulty.delegate().exists(dir + "/job")).isTrue();
      assertThat(a.tryLock(1, TimeUnit.SECONDS)).as("held by the other thread").isFalse();
    }

    @Test
    @DisplayName(
        "a store refusing calls while the lock is held: a reentrant acquisition needs no store"
            + " call and unlock still releases the store lock")
    void refusalDoesNotTouchAHeldLock() {
      LibkvLock a = faultyRegistry.obtain("job");
      a.lock();
      try (Fault refused = faulty.refuse(Calls.all())) {
        assertThat(a.tryLock()).isTrue();
        a.unlock();
        a.unlock();
        assertThat(refused.fired()).isZero();
      }
      assertThat(faulty.delegate().exists(dir + "/job")).isFalse();
    }

    @Test
    @DisplayName(
        "LockRegistryLeaderInitiator: a session loss revokes leadership, another client leads"
            + " meanwhile, and the first leads again after heal()")
    void leaderRevokedOnLossAndRegained() throws Exception {
      Leader one = leader("one", faultyRegistry);
      await().atMost(WAIT).until(one::isLeader);
      long oneToken = one.tokens.get(0);
      faulty.loseSession();
      await().atMost(WAIT).until(() -> !one.isLeader());
      // the initiator marks the leader gone before it calls onRevoked: wait for the callback too
      await().atMost(WAIT).untilAsserted(() -> assertThat(one.revoked).hasValue(1));
      Leader two = leader("two", registry());
      await().atMost(WAIT).until(two::isLeader);
      assertThat(two.tokens.get(0)).isGreaterThan(oneToken);
      faulty.heal();
      two.initiator.stop();
      await().atMost(WAIT).until(one::isLeader);
      assertThat(one.tokens).hasSize(2);
      assertThat(one.tokens.get(1)).isGreaterThan(two.tokens.get(0));
    }

    @Test
    @DisplayName(
        "unlock() whose release's answer is lost: it throws UnknownOutcomeException with the local"
            + " lock released and the hold ended; the lock is free if the release applied, else"
            + " taken until the store lock expires; the next lock() acquires afresh")
    void unlockOutcomeLost() throws Exception {
      LostReleaseAnswer store = new LostReleaseAnswer(faulty);
      LibkvLock a = new LibkvLockRegistry(store, dir).obtain("job");
      io.libkv.Lock other = client().newLock(dir + "/job");

      a.lock();
      long applied = a.lease().fencingToken();
      store.loseNextAnswer(true);
      assertThatThrownBy(a::unlock).isInstanceOf(UnknownOutcomeException.class);
      assertThat(a.isHeldByCurrentThread()).isFalse();
      assertThatThrownBy(a::unlock).isInstanceOf(IllegalMonitorStateException.class);
      LockLease theirs = other.tryLock(Duration.ZERO).orElseThrow();
      theirs.close();

      a.lock();
      long notApplied = a.lease().fencingToken();
      assertThat(notApplied).isGreaterThan(applied);
      store.loseNextAnswer(false);
      assertThatThrownBy(a::unlock).isInstanceOf(UnknownOutcomeException.class);
      assertThat(a.isHeldByCurrentThread()).isFalse();
      assertThat(other.tryLock(Duration.ZERO)).as("still taken by the unreleased lock").isEmpty();
      assertThat(inThread(() -> a.tryLock()).get()).as("the registry does not hold it").isFalse();
      store.expireUnreleased();
      a.lock();
      assertThat(a.lease().fencingToken()).isGreaterThan(notApplied);
      a.unlock();
      assertThat(faulty.delegate().exists(dir + "/job")).isFalse();
    }
  }

  /**
   * The one fault {@link FaultInjectingStore} cannot inject into a lock: a release ({@link
   * LockLease#close()}, which it passes to the wrapped store unfaulted) whose answer is lost. Not
   * applied, the lock stays taken until {@link #expireUnreleased()} stands for its TTL ending.
   */
  static final class LostReleaseAnswer extends ForwardingStore {
    private final AtomicInteger next = new AtomicInteger(); // 0 none, 1 applied, 2 not applied
    private final List<LockLease> unreleased = new CopyOnWriteArrayList<>();

    LostReleaseAnswer(Store store) {
      super(store);
    }

    void loseNextAnswer(boolean applied) {
      next.set(applied ? 1 : 2);
    }

    void expireUnreleased() {
      unreleased.forEach(LockLease::close);
      unreleased.clear();
    }

    @Override
    public io.libkv.Lock newLock(String key, LockOptions options) {
      io.libkv.Lock inner = super.newLock(key, options);
      return new io.libkv.Lock() {
        @Override
        public String key() {
          return inner.key();
        }

        @Override
        public LockLease lock() throws InterruptedException {
          return releasing(inner.lock());
        }

        @Override
        public Optional<LockLease> tryLock(Duration timeout) throws InterruptedException {
          return inner.tryLock(timeout).map(l -> releasing(l));
        }
      };
    }

    /** The lease with its close() faulted; every other method is the lease's. */
    private LockLease releasing(LockLease lease) {
      return (LockLease)
          Proxy.newProxyInstance(
              LockLease.class.getClassLoader(),
              new Class<?>[] {LockLease.class},
              (proxy, method, args) -> {
                if (method.getName().equals("close")) {
                  release(lease);
                  return null;
                }
                try {
                  return method.invoke(lease, args);
                } catch (InvocationTargetException e) {
                  throw e.getCause();
                }
              });
    }

    private void release(LockLease lease) {
      int fault = next.getAndSet(0);
      if (fault != 2) {
        lease.close();
      } else {
        unreleased.add(lease);
      }
      if (fault != 0) {
        throw new UnknownOutcomeException(
            "the release's answer was lost", lease.key(), description(), List.of(), null);
      }
    }
  }

  /** A started initiator and what its candidate saw. */
  static final class Leader implements Candidate {
    final String id;
    final LibkvLockRegistry registry;
    final LockRegistryLeaderInitiator initiator;
    final List<Long> tokens = new CopyOnWriteArrayList<>();
    final AtomicInteger revoked = new AtomicInteger();
    final AtomicBoolean granted = new AtomicBoolean();

    Leader(String id, LibkvLockRegistry registry) {
      this.id = id;
      this.registry = registry;
      this.initiator = new LockRegistryLeaderInitiator(registry, this);
    }

    boolean isLeader() {
      return initiator.getContext().isLeader();
    }

    @Override
    public String getRole() {
      return "leader";
    }

    @Override
    public String getId() {
      return id;
    }

    @Override
    public void onGranted(Context context) {
      // called on the initiator's thread, which holds the lock: its lease is the leader's
      tokens.add(registry.obtain(getRole()).lease().fencingToken());
      granted.set(true);
    }

    @Override
    public void onRevoked(Context context) {
      granted.set(false);
      revoked.incrementAndGet();
    }
  }

  Leader leader(String id, LibkvLockRegistry registry) {
    Leader l = new Leader(id, registry);
    l.initiator.setHeartBeatMillis(200);
    l.initiator.setBusyWaitMillis(50);
    l.initiator.setApplicationEventPublisher(event -> {});
    initiators.add(l.initiator);
    l.initiator.start();
    return l;
  }

  static Duration ms(long millis) {
    return Duration.ofMillis(millis);
  }
}
