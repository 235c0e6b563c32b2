package io.libkv.consul.internal;

import io.libkv.KVException;
import io.libkv.TimeSource;
import io.libkv.spi.AbstractLock;
import io.libkv.spi.AbstractLockLease;
import io.libkv.spi.KeepAlive;
import io.libkv.spi.OpenCheck;
import io.libkv.util.Backoff;
import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A lock on a Consul key. Each acquisition has a session of its own (TTL = the lock's TTL / 2,
 * behaviour delete, the lock's lock-delay), kept alive while waiting and while held: Consul lets a
 * session that holds a key acquire it again, so two locks never share one. Acquisition is one
 * transaction ({@code check-not-exists}, {@code lock}: Consul's lock alone would take a key holding
 * a value the lock did not write); its result's ModifyIndex is the fencing token. Waiters block on
 * a blocking query of the key, never poll. Unlock deletes the key in one transaction checking the
 * session still holds it and its ModifyIndex is still the lock's, then destroys the session
 * (destroying a session that holds a lock would start its lock-delay).
 */
final class ConsulLock extends AbstractLock {
  /**
   * What a lock does through its store: key paths, reads and transactions, sessions, the store's
   * list of locks.
   */
  interface Host {
    /** The full Consul key of a user key. */
    String full(String key);

    /** The KV endpoint's path of a user key. */
    String kvPath(String key);

    /** A non-blocking read of one key (200 with the entry, or 404). */
    ConsulClient.Reply read(String key);

    /** A transaction; its result, or the failure the answer means. */
    Wire.TxnResult txn(Wire.Txn t, @Nullable String key);

    /** Creates a session and returns its ID. */
    String createSession(
        Duration ttl, String behavior, Duration lockDelay, String name, @Nullable String key);

    /** Renews a session; false if Consul no longer knows it. */
    boolean renewSession(String id);

    /** Destroys a session, logging a failure. */
    void destroyQuietly(String id);

    /** The lock has a session (the store releases it on close and lists its session). */
    void register(ConsulLock lock);

    /** The lock has no session any more. */
    void unregister(ConsulLock lock);

    /** A held lock was lost with its session. */
    void lockLost();

    /** Where the lock's session keep-alive reports its renewals (the store's listeners). */
    java.util.function.Consumer<io.libkv.KeepAliveEvent> keepAliveReports();
  }

  /**
   * Everything a lock is given by its store, the same for each of its locks.
   *
   * @param executor runs renewals and loss notifications
   */
  record Context(
      Host host,
      OpenCheck open,
      String description,
      TimeSource time,
      Executor executor,
      ConsulClient client) {}

  private final Host host;
  private final Context context;
  private final String full;
  private final byte[] value;
  private final Duration ttl;
  private final Duration lockDelay;
  private final Backoff backoff = Backoff.exponential(Duration.ofMillis(50), Duration.ofSeconds(1));

  // guarded by this
  private @Nullable LockSession session;
  private @Nullable CompletableFuture<?> waiting;
  private int quietRetries;

  /** The session of one acquisition. */
  private static final class LockSession {
    final String id;

    /** Set right after the session is created. */
    @Nullable KeepAlive keepAlive;

    volatile @Nullable Held held;
    volatile boolean gone;

    LockSession(String id) {
      this.id = id;
    }

    KeepAlive keepAlive() {
      return Objects.requireNonNull(keepAlive, "keep-alive of a session just created");
    }
  }

  ConsulLock(Context context, String key, byte[] value, Duration ttl, Duration lockDelay) {
    super(key, context.time());
    this.context = context;
    this.host = context.host();
    this.full = host.full(key);
    this.value = value;
    this.ttl = ttl;
    this.lockDelay = lockDelay;
  }

  /** The current acquisition's session, or null. */
  synchronized @Nullable String sessionId() {
    return session == null || session.gone ? null : session.id;
  }

  private synchronized LockSession session() {
    if (session != null && !session.gone) {
      return session;
    }
    Duration sessionTtl = ttl.dividedBy(2);
    // the session's TTL runs from when Consul received the create, no earlier than this
    long sent = context.time().nanoTime();
    LockSession s =
        new LockSession(host.createSession(sessionTtl, "delete", lockDelay, "libkv lock", key()));
    s.keepAlive =
        KeepAlive.start(
            "Consul session " + s.id + " of lock " + key(),
            sessionTtl,
            sent,
            context.time(),
            context.executor(),
            () -> {
              if (!host.renewSession(s.id)) {
                context.executor().execute(() -> lost(s));
                // not a confirmation: the session is gone, its deadline must not move
                throw new KVException("Consul session " + s.id + " is gone", null);
              }
            },
            e -> lost(s),
            host.keepAliveReports());
    session = s;
    host.register(this);
    return s;
  }

  /** The session is gone or cannot be renewed: a held lock is lost. */
  private void lost(LockSession s) {
    if (s.gone) {
      return;
    }
    s.gone = true;
    s.keepAlive().close();
    Held h = s.held;
    if (h != null && h.markLost()) {
      host.lockLost();
    }
    host.destroyQuietly(s.id);
  }

  @Override
  protected Attempt attempt() {
    context.open().check();
    LockSession s = session();
    // Consul's lock takes a key holding a value without a session: only an absent key is free
    Wire.TxnResult r =
        host.txn(
            new Wire.Txn()
                .op("check-not-exists", full, null, 0, 0, null)
                .op("lock", full, value, Wire.nonce(), 0, s.id),
            key());
    if (r.ok()) {
      Held h = new Held(key(), r.results.get(r.results.size() - 1).modifyIndex, s);
      s.held = h;
      synchronized (this) {
        quietRetries = 0;
      }
      return Attempt.acquired(h);
    }
    if (r.describe().contains("invalid session")) {
      s.gone = true; // invalidated while we waited: the next attempt makes a new one
      s.keepAlive().close();
      return Attempt.waitFor(CompletableFuture.completedFuture(null));
    }
    ConsulClient.Reply now = host.read(key());
    CompletableFuture<?> wake;
    if (now.status == 200) {
      // held by another session, or holding a value no lock wrote: wait until the key changes
      long idx = Wire.entries(now.body).get(0).modifyIndex;
      Duration wait = Duration.ofMinutes(1);
      wake =
          context
              .client()
              .callAsync(
                  host.kvPath(key()),
                  "index=" + idx + "&wait=" + wait.toMillis() + "ms",
                  wait.plus(wait.dividedBy(16)).plus(context.client().timeout()));
    } else {
      // free but refused: the key is in its lock-delay, or it was released meanwhile; try again
      // soon
      int n;
      synchronized (this) {
        n = ++quietRetries;
      }
      wake = new CompletableFuture<>();
      CompletableFuture<?> w = wake;
      CompletableFuture.delayedExecutor(
              Math.max(1, backoff.delay(n).toMillis()), TimeUnit.MILLISECONDS)
          .execute(() -> w.complete(null));
    }
    synchronized (this) {
      waiting = wake;
    }
    if (context.open().isClosed()) {
      wake.cancel(true);
    }
    return Attempt.waitFor(wake);
  }

  @Override
  protected void abandon() {
    LockSession s;
    synchronized (this) {
      if (waiting != null) {
        waiting.cancel(true);
        waiting = null;
      }
      s = session;
      if (s != null && s.held == null) {
        session = null;
      } else {
        s = null;
      }
    }
    if (s != null) {
      s.gone = true;
      s.keepAlive().close();
      host.destroyQuietly(s.id);
      host.unregister(this);
    }
  }

  /** The store closes: a held lock is released (its lost() completes), a waiter wakes and fails. */
  void closeByStore() {
    LockSession s;
    CompletableFuture<?> w;
    synchronized (this) {
      s = session;
      w = waiting;
    }
    if (w != null) {
      w.cancel(true);
    }
    if (s != null && s.held != null) {
      Held h = s.held;
      h.markLost();
      h.releaseNow();
    }
  }

  /** A held lock. */
  final class Held extends AbstractLockLease {
    private final LockSession session;

    Held(String key, long token, LockSession session) {
      super(key, token, context.description(), session.keepAlive());
      this.session = session;
    }

    @Override
    protected void release() {
      releaseNow();
    }

    @Override
    protected void releaseAfterLoss() {
      // the session was destroyed when the loss was declared: nothing is left to release
    }

    /** Deletes the key if the session still holds it, then destroys the session. */
    void releaseNow() {
      synchronized (ConsulLock.this) {
        if (session == ConsulLock.this.session) {
          ConsulLock.this.session = null;
        }
      }
      session.keepAlive().close();
      KVException failure = null;
      try {
        if (!session.gone) {
          // only the lock's own write: a put since has released the key from the session or changed
          // its index
          host.txn(
              new Wire.Txn()
                  .op("check-session", full, null, 0, 0, session.id)
                  .op("delete-cas", full, null, 0, fencingToken(), null),
              key());
        }
      } catch (KVException e) {
        failure = e;
      } finally {
        session.gone = true;
        host.destroyQuietly(session.id);
        host.unregister(ConsulLock.this);
      }
      if (failure != null) {
        throw failure;
      }
    }
  }
}
