package io.libkv.recipes.discovery;

import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyNotFoundException;
import io.libkv.Keys;
import io.libkv.Store;
import io.libkv.TtlTooShortException;
import io.libkv.WriteOptions;
import io.libkv.recipes.internal.WatchLoop;
import java.time.Duration;
import java.util.Arrays;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Registers a member of a service at {@code SERVICE/ID} as an ephemeral key, kept alive by the
 * store, and checks it every heartbeat: a registration lost with a session (a server expired it,
 * someone deleted it) is written again. Closing deregisters at once; a crashed process's member
 * disappears within the TTL.
 *
 * <p>As Docker's discovery, the TTL defaults to three heartbeats (heartbeat 5 s, TTL 15 s), raised
 * to the backend's minimum ephemeral TTL when that is larger.
 */
public final class ServiceRegistration implements AutoCloseable {
  private final Store store;
  private final String key;
  private final Duration ttl;
  private final Duration heartbeat;
  private final Consumer<KVException> errors;
  private final Thread thread;
  private volatile Member member;
  private volatile boolean running = true;

  private ServiceRegistration(Builder b, String key, Duration ttl) {
    this.store = b.store;
    this.key = key;
    this.ttl = ttl;
    this.heartbeat = b.heartbeat;
    this.errors = b.errors;
    this.member = Member.of(b.id, Objects.requireNonNull(b.address, "address"), b.metaJson);
    this.thread = new Thread(this::beat, "libkv-registration-" + b.id);
    this.thread.setDaemon(true);
  }

  /**
   * A builder registering member {@code id} of {@code service}.
   *
   * @throws io.libkv.InvalidKeyException if service is not a valid key or id not a valid single
   *     segment
   */
  public static Builder builder(Store store, String service, String id) {
    return new Builder(store, service, id);
  }

  /** The member's key ({@code SERVICE/ID}). */
  public String key() {
    return key;
  }

  /** The member as registered now. */
  public Member member() {
    return member;
  }

  /** The TTL in force. */
  public Duration ttl() {
    return ttl;
  }

  /** Replaces the member's metadata (a JSON object). */
  public void updateMetadata(Map<String, ?> meta) {
    Member m = Member.of(member.id(), member.address(), meta);
    write(m);
    member = m;
  }

  private void write(Member m) {
    store.put(key, m.toBytes(), WriteOptions.ephemeral(ttl));
  }

  private void beat() {
    while (running) {
      try {
        Thread.sleep(heartbeat.toMillis());
      } catch (InterruptedException e) {
        continue;
      }
      if (!running) {
        break;
      }
      try {
        Member m = member;
        byte[] want = m.toBytes();
        boolean ok;
        try {
          KVPair p = store.get(key);
          ok = Arrays.equals(p.value(), want);
        } catch (KeyNotFoundException e) {
          ok = false;
        }
        if (!ok) {
          write(m);
        }
      } catch (KVException e) {
        errors.accept(e);
      } catch (IllegalStateException e) {
        // the store was closed: nothing left to keep alive
        break;
      }
    }
  }

  /**
   * Deregisters at once; idempotent. If the store cannot be reached the error goes to the error
   * listener and the member disappears with its TTL.
   */
  @Override
  public void close() {
    if (!running) {
      return;
    }
    running = false;
    WatchLoop.stopAndJoin(thread);
    try {
      store.delete(key);
    } catch (IllegalStateException e) {
      // store already closed: its ephemeral key went with it
    } catch (KVException e) {
      errors.accept(e);
    }
  }

  /** Builds a {@link ServiceRegistration}. */
  public static final class Builder {
    private final Store store;
    private final String service;
    private final String id;
    private @Nullable String address;
    private String metaJson = "{}";
    private Duration heartbeat = Duration.ofSeconds(5);
    private @Nullable Duration ttl;
    private Consumer<KVException> errors = e -> {};

    private Builder(Store store, String service, String id) {
      this.store = Objects.requireNonNull(store, "store");
      this.service = Keys.canonicalKey(Objects.requireNonNull(service, "service"));
      Objects.requireNonNull(id, "id");
      if (id.isEmpty() || id.contains("/")) {
        throw new IllegalArgumentException(
            "member id must be one non-empty key segment, was \"" + id + "\"");
      }
      this.id = id;
    }

    /** The member's address (required), e.g. {@code host:port}. */
    public Builder address(String address) {
      if (Objects.requireNonNull(address, "address").isEmpty()) {
        throw new IllegalArgumentException("address must not be empty");
      }
      this.address = address;
      return this;
    }

    /** Metadata as a JSON object text. */
    public Builder metadataJson(String json) {
      Member.of(id, "x", json);
      this.metaJson = json;
      return this;
    }

    /** Metadata as a map. */
    public Builder metadata(Map<String, ?> meta) {
      this.metaJson = Member.of(id, "x", meta).metadataJson();
      return this;
    }

    /** How often the registration is checked (default 5 s). */
    public Builder heartbeat(Duration d) {
      if (Objects.requireNonNull(d, "heartbeat").isNegative() || d.isZero()) {
        throw new IllegalArgumentException("heartbeat must be positive");
      }
      this.heartbeat = d;
      return this;
    }

    /** The TTL (default three heartbeats, at least the backend's minimum ephemeral TTL). */
    public Builder ttl(Duration d) {
      this.ttl = Objects.requireNonNull(d, "ttl");
      return this;
    }

    /** Hears the store errors the heartbeat recovers from. */
    public Builder errors(Consumer<KVException> errors) {
      this.errors = Objects.requireNonNull(errors, "errors");
      return this;
    }

    /**
     * Validates, writes the member and starts the heartbeat.
     *
     * @throws TtlTooShortException if the TTL given is below the backend's minimum
     */
    public ServiceRegistration register() {
      if (address == null) {
        throw new IllegalStateException("address is required");
      }
      Duration min = store.capabilities().minEphemeralTtl();
      Duration t = ttl;
      if (t == null) {
        t = heartbeat.multipliedBy(3);
        if (t.compareTo(min) < 0) {
          t = min;
        }
      }
      String key = Keys.canonicalKey(service + "/" + id);
      ServiceRegistration r = new ServiceRegistration(this, key, t);
      r.write(r.member);
      r.thread.start();
      return r;
    }
  }
}
