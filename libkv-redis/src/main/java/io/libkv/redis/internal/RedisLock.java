package io.libkv.redis.internal;

import static io.libkv.redis.internal.StoreScript.number;
import static io.libkv.redis.internal.StoreScript.utf8;

import io.libkv.KVPair;
import io.libkv.spi.AbstractLock;
import io.libkv.spi.AbstractLockLease;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

/**
 * A lock of the Redis store: the key written, only while it is absent, as an ephemeral key of the
 * store's session of the lock's TTL, in one run of the script; the fencing token is that write's
 * index. A waiter that found the key held registers for the key's next change on the change feed
 * and then reads the key once more, so a release between its try and its wait still wakes it.
 */
final class RedisLock extends AbstractLock {
  private final RedisStore store;
  private final StoreScript script;
  private final Sessions sessions;
  private final ChangeFeed feed;
  private final Reads reads;
  private final byte[] value;
  private final Duration ttl;

  RedisLock(
      RedisStore store,
      StoreScript script,
      Sessions sessions,
      ChangeFeed feed,
      Reads reads,
      String key,
      byte[] value,
      Duration ttl) {
    super(key, store.timeSource());
    this.store = store;
    this.script = script;
    this.sessions = sessions;
    this.feed = feed;
    this.reads = reads;
    this.value = value;
    this.ttl = ttl;
  }

  @Override
  protected Attempt attempt() {
    store.checkUsable();
    Sessions.Ref session = sessions.session(ttl, key());
    List<Object> r = script.list(true, key(), "lock", "lock", utf8(key()), value, utf8(session.id));
    long outcome = number(r.get(0));
    if (outcome == 1) {
      Held h = new Held(key(), number(r.get(1)), session);
      session.held.add(h);
      store.awaitReplicas(key());
      return Attempt.acquired(h);
    }
    if (outcome == -1) {
      sessions.gone(session.id);
      return Attempt.waitFor(CompletableFuture.completedFuture(null));
    }
    // held: listen for the key's next change, then look again, so that a release between the try
    // and the listening is not missed (only a contended lock starts the change feed)
    long heldAt = number(r.get(1));
    CompletableFuture<Void> changed = feed.nextChange(key());
    KVPair now = reads.get(key());
    if (now == null || now.lastIndex() != heldAt) {
      changed.cancel(false);
      return Attempt.waitFor(CompletableFuture.completedFuture(null));
    }
    return Attempt.waitFor(changed);
  }

  @Override
  protected void abandon() {
    // nothing queued: waiters only listen to the change feed
  }

  /** A held Redis lock. */
  final class Held extends AbstractLockLease {
    private final Sessions.Ref session;

    Held(String key, long token, Sessions.Ref session) {
      super(key, token, store.description(), session.keepAlive());
      this.session = session;
    }

    @Override
    protected void release() {
      session.held.remove(this);
      // only the lock's own write: a value put over it since is the writer's
      script.integer(
          true,
          key(),
          "unlock",
          "unlock",
          utf8(key()),
          utf8(session.id),
          StoreScript.num(fencingToken()));
    }
  }
}
