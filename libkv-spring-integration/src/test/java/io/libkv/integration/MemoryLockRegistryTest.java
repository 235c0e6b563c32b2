package io.libkv.integration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;

import io.libkv.LibKV;
import io.libkv.LockLease;
import io.libkv.LockLostException;
import io.libkv.Store;
import io.libkv.memory.MemoryStore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

/**
 * The registry on {@code memory:}, and what it does when a lock is lost: sessions are expired with
 * {@link MemoryStore#simulateSessionExpiry()}, as a server expires a cut-off client's session.
 */
// the tests lock and unlock step by step on purpose, to see each state in between
@SuppressWarnings("LockNotBeforeTry")
class MemoryLockRegistryTest extends LockRegistryContract {
  private static final AtomicInteger NAMES = new AtomicInteger();
  private final String name = "si-" + NAMES.incrementAndGet();

  @Override
  Store openClient() {
    return LibKV.open("memory:" + name);
  }

  private MemoryStore store;
  private LibkvLock a;
  private LibkvLock b;

  /** Lock "job" through two clients: {@code a} (on {@code store}, holding it) and {@code b}. */
  private void contenders() {
    store = (MemoryStore) client();
    a = new LibkvLockRegistry(store, dir).obtain("job");
    b = registry().obtain("job");
    a.lock();
  }

  @AfterEach
  void drop() {
    MemoryStore.drop(name);
  }

  @Test
  @DisplayName(
      "a lost lock: lost() completes, another client takes it, the holder's unlock throws"
          + " LockLostException and releases the local lock")
  void lossSeenByTheHolder() throws Exception {
    contenders();
    LockLease lease = a.lease();
    store.simulateSessionExpiry();
    lease.lost().get(WAIT.toSeconds(), TimeUnit.SECONDS);
    assertThat(lease.isHeld()).isFalse();
    assertThat(inThread(() -> b.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS)).get()).isTrue();
    assertThatThrownBy(a::unlock).isInstanceOf(LockLostException.class);
    assertThat(a.isHeldByCurrentThread()).isFalse();
    assertThat(store.exists(dir + "/job")).as("the new holder's key stays").isTrue();
  }

  @Test
  @DisplayName(
      "a loss ends the holder's holds: its next acquisition starts afresh; unlocking a dropped"
          + " hold throws LockLostException")
  void lossEndsEarlierHolds() throws Exception {
    contenders();
    a.lock();
    long lostToken = a.lease().fencingToken();
    store.simulateSessionExpiry();
    assertThat(asOtherHolder(() -> b.tryLock(WAIT.toMillis(), TimeUnit.MILLISECONDS))).isTrue();
    assertThat(a.tryLock()).as("b holds it now").isFalse();
    assertThat(a.isHeldByCurrentThread()).as("both earlier holds dropped").isFalse();
    assertThatThrownBy(a::unlock).isInstanceOf(LockLostException.class);
    assertThatThrownBy(a::unlock).isInstanceOf(LockLostException.class);
    assertThatThrownBy(a::unlock).isInstanceOf(IllegalMonitorStateException.class);
    unlockAsOtherHolder(b);
    a.lock();
    assertThat(a.lease().fencingToken()).isGreaterThan(lostToken);
    a.unlock();
    assertThat(store.exists(dir + "/job")).isFalse();
  }

  @Test
  @DisplayName(
      "LockRegistryLeaderInitiator: when the leader's lock is lost it is revoked, the other"
          + " leads, and the first can lead again")
  void leaderInitiatorMovesOnLoss() throws Exception {
    MemoryStore store = (MemoryStore) client();
    Leader one = leader("one", new LibkvLockRegistry(store, dir));
    await().atMost(WAIT).until(one::isLeader);
    Leader two = leader("two", registry());
    long oneToken = one.tokens.get(0);
    store.simulateSessionExpiry();
    await().atMost(WAIT).until(() -> two.isLeader() && !one.isLeader());
    assertThat(one.revoked).hasValue(1);
    assertThat(two.tokens.get(0)).isGreaterThan(oneToken);
    two.initiator.stop();
    await().atMost(WAIT).until(one::isLeader);
    assertThat(one.tokens).hasSize(2);
    assertThat(one.tokens.get(1)).isGreaterThan(two.tokens.get(0));
    one.initiator.stop();
    await().atMost(WAIT).until(() -> !store.exists(dir + "/leader"));
  }
}
