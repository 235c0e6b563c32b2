package io.libkv.redis.internal;

import static io.libkv.redis.internal.StoreScript.num;
import static io.libkv.redis.internal.StoreScript.utf8;

import io.libkv.KVException;
import io.libkv.KeepAliveEvent;
import io.libkv.StoreUnavailableException;
import io.libkv.TimeSource;
import io.libkv.spi.KeepAlive;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The store's sessions: one per TTL, created on first use, holding its ephemeral keys and locks,
 * kept alive by core's {@link KeepAlive}. A session is a member of the store's sessions set with a
 * deadline on the server's clock; any open store of the prefix deletes the keys of a session whose
 * deadline passed. A renewal that finds the session gone declares it lost at once.
 */
final class Sessions {
  /** One live session. */
  static final class Ref {
    final String id;
    final Duration ttl;
    final Set<RedisLock.Held> held = ConcurrentHashMap.newKeySet();
    private volatile @Nullable KeepAlive keepAlive;

    Ref(String id, Duration ttl) {
      this.id = id;
      this.ttl = ttl;
    }

    /** The session's keep-alive, which is also its locks' deadline. */
    KeepAlive keepAlive() {
      return Objects.requireNonNull(keepAlive, "keep-alive of a live session");
    }

    void stop() {
      KeepAlive k = keepAlive;
      if (k != null) {
        k.close();
      }
    }
  }

  private final StoreScript script;
  private final String description;
  private final TimeSource time;
  private final Executor io;
  private final Consumer<KeepAliveEvent> reports;
  private final Runnable onLoss;
  private final Map<Duration, Ref> byTtl = new HashMap<>();
  private boolean closed;

  Sessions(
      StoreScript script,
      String description,
      TimeSource time,
      Executor io,
      Consumer<KeepAliveEvent> reports,
      Runnable onLoss) {
    this.script = script;
    this.description = description;
    this.time = time;
    this.io = io;
    this.reports = reports;
    this.onLoss = onLoss;
  }

  /** This store's live session of {@code ttl}, created and kept alive on first use. */
  synchronized Ref session(Duration ttl, String key) {
    if (closed) {
      // a write racing with close() must not create a session nobody would end
      throw new IllegalStateException("store " + description + " is closed");
    }
    Ref r = byTtl.get(ttl);
    if (r != null) {
      return r;
    }
    String id = UUID.randomUUID().toString();
    // the session's deadline runs from when Redis ran the script, no earlier than this
    long sent = time.nanoTime();
    script.integer(
        true, key, "create a session", "session", utf8(id), num(ttl.toMillis()), utf8("create"));
    Ref fresh = new Ref(id, ttl);
    fresh.keepAlive =
        KeepAlive.start(
            "redis session " + id + " of " + description,
            ttl,
            sent,
            time,
            io,
            () -> renew(fresh),
            e -> lost(fresh),
            reports);
    byTtl.put(ttl, fresh);
    return fresh;
  }

  private void renew(Ref r) {
    long alive =
        script.integer(
            true,
            null,
            "renew a session",
            "session",
            utf8(r.id),
            num(r.ttl.toMillis()),
            utf8("renew"));
    if (alive == 0) {
      // expired or ended on the server: lost now, not two thirds of a TTL later
      try {
        io.execute(() -> lost(r));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        // the store is closing: closeAll ends the session
      }
      throw new StoreUnavailableException(
          "session " + r.id + " expired on the server", null, description, List.of(), null);
    }
  }

  /** The server said session {@code id} is gone (a write found it expired). */
  void gone(String id) {
    Ref r;
    synchronized (this) {
      r = byTtl.values().stream().filter(x -> x.id.equals(id)).findFirst().orElse(null);
    }
    if (r != null) {
      lost(r);
    }
  }

  /** The client's side of a loss: its locks are lost now, and the next write makes a new one. */
  private void lost(Ref r) {
    synchronized (this) {
      if (!byTtl.remove(r.ttl, r)) {
        return; // already declared lost, or the store is closing
      }
    }
    r.stop();
    for (RedisLock.Held h : new ArrayList<>(r.held)) {
      h.markLost();
    }
    // best effort: if the server still has it, its keys must not outlive our declaration of loss
    try {
      end(r);
    } catch (KVException | IllegalStateException e) {
      // unreachable: the server deletes them when the deadline passes
    }
    onLoss.run();
  }

  private void end(Ref r) {
    script.integer(true, null, "end a session", "session", utf8(r.id), num(0), utf8("end"));
  }

  /** The ids of the live sessions. */
  synchronized List<String> ids() {
    List<String> out = new ArrayList<>();
    byTtl.values().forEach(r -> out.add(r.id));
    return out;
  }

  /** Stops keeping sessions alive and ends them (ephemeral keys and held locks go). */
  void closeAll() {
    List<Ref> all;
    synchronized (this) {
      closed = true;
      all = new ArrayList<>(byTtl.values());
      byTtl.clear();
    }
    for (Ref r : all) {
      r.stop();
      for (RedisLock.Held h : new ArrayList<>(r.held)) {
        h.markLost();
      }
      try {
        end(r);
      } catch (KVException | IllegalStateException e) {
        // unreachable: the server deletes them when the deadline passes
      }
    }
  }
}
