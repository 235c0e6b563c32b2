package io.libkv;

import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * What a store can tell about itself for an operator ({@code libkv status}) or a health check: its
 * description, backend and connection state, and, where the backend tells, the server version, the
 * members or endpoints with their health, and backend facts such as the session or the leases held.
 * Immutable; obtained from {@link Store#status()}.
 */
public final class StoreStatus {
  /** A member's health as the backend saw it when the status was taken. */
  public enum Health {
    /** It answered. */
    UP,
    /** It did not answer, or answered with an error. */
    DOWN,
    /** The backend cannot tell (it does not ask members one by one). */
    UNKNOWN
  }

  /**
   * One server of the store (an etcd member, a ZooKeeper server, a Consul agent) or one endpoint.
   */
  public static final class Member {
    private final String endpoint;
    private final Health health;
    private final Optional<String> version;
    private final boolean leader;
    private final Optional<String> detail;

    /**
     * A member.
     *
     * @param endpoint its {@code host:port}
     * @param health whether it answered
     * @param version its server version, if it told
     * @param leader whether it leads (for backends with a leader)
     * @param detail what else it told, or why it is down, if anything
     */
    public Member(
        String endpoint,
        Health health,
        Optional<String> version,
        boolean leader,
        Optional<String> detail) {
      this.endpoint = Objects.requireNonNull(endpoint, "endpoint");
      this.health = Objects.requireNonNull(health, "health");
      this.version = Objects.requireNonNull(version, "version");
      this.leader = leader;
      this.detail = Objects.requireNonNull(detail, "detail");
    }

    /** Its {@code host:port}. */
    public String endpoint() {
      return endpoint;
    }

    /** Whether it answered. */
    public Health health() {
      return health;
    }

    /** Its server version, if it told. */
    public Optional<String> version() {
      return version;
    }

    /** Whether it leads. */
    public boolean leader() {
      return leader;
    }

    /** What else it told, or why it is down. */
    public Optional<String> detail() {
      return detail;
    }

    @Override
    public String toString() {
      return endpoint
          + " "
          + health
          + version.map(v -> " " + v).orElse("")
          + (leader ? " leader" : "")
          + detail.map(d -> " (" + d + ")").orElse("");
    }
  }

  private final String store;
  private final String backend;
  private final ConnectionState connection;
  private final Optional<String> serverVersion;
  private final List<Member> members;
  private final Map<String, String> details;

  private StoreStatus(Builder b) {
    this.store = b.store;
    this.backend = b.backend;
    this.connection = b.connection;
    this.serverVersion = b.serverVersion;
    this.members = List.copyOf(b.members);
    this.details = Collections.unmodifiableMap(new LinkedHashMap<>(b.details));
  }

  /**
   * A builder (for backends).
   *
   * @param store the store's description
   * @param backend the backend's name, as {@link Capabilities#backend()}
   * @param connection the store's connection state
   */
  public static Builder builder(String store, String backend, ConnectionState connection) {
    return new Builder(store, backend, connection);
  }

  /** The store's description (a URI without secrets). */
  public String store() {
    return store;
  }

  /** The backend's name. */
  public String backend() {
    return backend;
  }

  /**
   * The connection state the store last reported ({@link ConnectionState#CONNECTED} for local
   * stores).
   */
  public ConnectionState connection() {
    return connection;
  }

  /** The server's version, if the backend tells (the first answering member's). */
  public Optional<String> serverVersion() {
    return serverVersion;
  }

  /** The members or endpoints, in the order the store was given them; empty for local stores. */
  public List<Member> members() {
    return members;
  }

  /**
   * Backend facts, in the backend's order, e.g. {@code session} (ZooKeeper's session id and
   * negotiated timeout), {@code leases} (etcd leases this store keeps alive), {@code file}.
   */
  public Map<String, String> details() {
    return details;
  }

  @Override
  public String toString() {
    return "StoreStatus{"
        + store
        + ", "
        + backend
        + ", "
        + connection
        + serverVersion.map(v -> ", " + v).orElse("")
        + ", "
        + members
        + ", "
        + details
        + "}";
  }

  /** Builds a {@link StoreStatus}. */
  public static final class Builder {
    private final String store;
    private final String backend;
    private final ConnectionState connection;
    private Optional<String> serverVersion = Optional.empty();
    private final List<Member> members = new ArrayList<>();
    private final Map<String, String> details = new LinkedHashMap<>();

    private Builder(String store, String backend, ConnectionState connection) {
      this.store = Objects.requireNonNull(store, "store");
      this.backend = Objects.requireNonNull(backend, "backend");
      this.connection = Objects.requireNonNull(connection, "connection");
    }

    /** The server's version. */
    public Builder serverVersion(String version) {
      this.serverVersion = Optional.of(version);
      return this;
    }

    /** Adds a member. */
    public Builder member(Member member) {
      members.add(Objects.requireNonNull(member, "member"));
      return this;
    }

    /**
     * Adds a backend fact.
     *
     * @throws IllegalArgumentException if {@code name} was given already
     */
    public Builder detail(String name, String value) {
      Objects.requireNonNull(value, "value");
      if (details.putIfAbsent(Objects.requireNonNull(name, "name"), value) != null) {
        throw new IllegalArgumentException("status detail " + name + " given twice");
      }
      return this;
    }

    /** The status. */
    public StoreStatus build() {
      return new StoreStatus(this);
    }
  }
}
