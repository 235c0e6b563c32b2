package io.libkv.testkit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;

import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.WriteOptions;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.UUID;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.jspecify.annotations.Nullable;

/**
 * Walks docs/errors.md against one backend: for every {@code ## anchor} the backend's table either
 * provokes the condition (and the type, {@code key()} and {@code store()} are checked) or says why
 * it cannot arise there. A new entry in the doc without a row fails every backend's walk.
 */
public final class ErrorsDocCoverage {
  private ErrorsDocCoverage() {}

  /** How one backend meets one entry of docs/errors.md. */
  public static final class Case {
    final @Nullable Class<? extends KVException> type;
    final @Nullable String key;
    final @Nullable String store;
    final @Nullable ThrowingCallable call;
    final @Nullable String why;

    private Case(
        @Nullable Class<? extends KVException> type,
        @Nullable String key,
        @Nullable String store,
        @Nullable ThrowingCallable call,
        @Nullable String why) {
      this.type = type;
      this.key = key;
      this.store = store;
      this.call = call;
      this.why = why;
    }

    /**
     * {@code call} raises {@code type} whose {@code key()} is {@code key} and whose {@code store()}
     * is {@code store} ({@code null}: empty).
     */
    public static Case provoked(
        Class<? extends KVException> type,
        @Nullable String key,
        @Nullable String store,
        ThrowingCallable call) {
      return new Case(Objects.requireNonNull(type), key, store, Objects.requireNonNull(call), null);
    }

    /**
     * The condition can arise on this backend but is not provoked by this walk (it needs a fault: a
     * killed server, a cut connection); {@code where} names the test that provokes it, or why none
     * does.
     */
    public static Case notProvokedHere(String where) {
      return cannotArise(where);
    }

    /** The condition cannot arise on this backend, for the reason given. */
    public static Case cannotArise(String why) {
      if (why.isBlank()) {
        throw new IllegalArgumentException("say why");
      }
      return new Case(null, null, null, null, why);
    }
  }

  /** The anchors of docs/errors.md, in order. */
  public static List<String> anchors() {
    Path root = Path.of(System.getProperty("libkv.repo.root", ".."));
    String doc;
    try {
      doc = Files.readString(root.resolve("docs/errors.md"), StandardCharsets.UTF_8);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    Matcher m = Pattern.compile("(?m)^## ([a-z-]+)$").matcher(doc);
    return m.results().map(r -> r.group(1)).collect(Collectors.toList());
  }

  /**
   * The entries every store meets the same way through the API, provoked on {@code store} below a
   * fresh directory; {@code uri} is the store's URI, for the configuration entry.
   */
  public static Map<String, Case> common(Store store, String uri) {
    String dir = "errors-doc-" + UUID.randomUUID() + "/";
    String d = store.description();
    byte[] v = "v".getBytes(StandardCharsets.UTF_8);
    Map<String, Case> m = new TreeMap<>();
    m.put(
        "key-not-found",
        Case.provoked(
            io.libkv.KeyNotFoundException.class,
            dir + "missing",
            d,
            () -> store.get(dir + "missing")));
    m.put(
        "key-exists",
        Case.provoked(
            io.libkv.KeyExistsException.class,
            dir + "exists",
            d,
            () -> {
              store.put(dir + "exists", v);
              store.atomicCreate(dir + "exists", v, WriteOptions.DEFAULT);
            }));
    m.put(
        "key-modified",
        Case.provoked(
            io.libkv.KeyModifiedException.class,
            dir + "modified",
            d,
            () -> {
              store.put(dir + "modified", v);
              KVPair old = store.get(dir + "modified");
              store.put(dir + "modified", v);
              store.atomicPut(dir + "modified", v, old, WriteOptions.DEFAULT);
            }));
    // a null previous on purpose: the condition this entry documents
    @SuppressWarnings("NullAway")
    ThrowingCallable deleteWithoutPrevious = () -> store.atomicDelete(dir + "p", null);
    m.put(
        "previous-not-specified",
        Case.provoked(
            io.libkv.PreviousNotSpecifiedException.class, dir + "p", d, deleteWithoutPrevious));
    m.put(
        "invalid-key",
        Case.provoked(
            io.libkv.InvalidKeyException.class, dir + "a//b", d, () -> store.put(dir + "a//b", v)));
    m.put(
        "value-too-large",
        Case.provoked(
            io.libkv.ValueTooLargeException.class,
            dir + "big",
            d,
            () ->
                store.put(
                    dir + "big",
                    new byte[Math.toIntExact(store.capabilities().maxValueBytes() + 1)])));
    m.put(
        "configuration",
        Case.provoked(
            io.libkv.ConfigurationException.class,
            null,
            null,
            () -> LibKV.open(uri + (uri.contains("?") ? "&" : "?") + "noSuchParameter=1").close()));
    m.put(
        "backend-not-supported",
        Case.provoked(
            io.libkv.BackendNotSupportedException.class,
            null,
            null,
            () -> LibKV.open("nosuchscheme://127.0.0.1:1").close()));
    m.put("lock-lost", lockLost(() -> LibKV.open(uri), dir + "lock"));
    m.put(
        "update-conflict",
        Case.provoked(
            io.libkv.UpdateConflictException.class,
            dir + "raced",
            d,
            () ->
                store.update(
                    dir + "raced",
                    io.libkv.UpdateOptions.builder().maxAttempts(1).build(),
                    current -> {
                      store.put(dir + "raced", v); // another write wins the race every time
                      return v;
                    })));
    io.libkv.Capabilities.TransactionLimits limits = store.capabilities().transactionLimits();
    if (limits.maxOperations() > 100_000) {
      m.put(
          "transaction-too-large",
          Case.cannotArise(
              store.capabilities().backend() + ": no limit of operations short of memory"));
    } else {
      m.put(
          "transaction-too-large",
          Case.provoked(
              io.libkv.TransactionTooLargeException.class,
              null,
              d,
              () -> {
                io.libkv.Transaction.Builder b = io.libkv.Transaction.builder();
                for (int i = 0; i <= limits.maxOperations(); i++) {
                  b.put(dir + "many/" + i, v);
                }
                store.commit(b.build());
              }));
    }
    m.put(
        "stale-view",
        Case.notProvokedHere(
            "a view's reads while its store is cut off past maxStaleness: the kit's"
                + " Views.staleViewRefusesReads provokes it"));
    Duration floor =
        store.capabilities().expiringTtl()
            ? store.capabilities().minExpiringTtl()
            : store.capabilities().minEphemeralTtl();
    Duration shorter = floor.dividedBy(2);
    if (shorter.isZero()) {
      m.put(
          "ttl-too-short",
          Case.cannotArise("the TTL floor is " + floor + ": no shorter positive TTL exists"));
    } else {
      m.put(
          "ttl-too-short",
          Case.provoked(
              io.libkv.TtlTooShortException.class,
              dir + "ttl",
              d,
              () ->
                  store.put(
                      dir + "ttl",
                      v,
                      store.capabilities().expiringTtl()
                          ? WriteOptions.expiring(shorter)
                          : WriteOptions.ephemeral(shorter))));
    }
    return m;
  }

  /**
   * A lock held through a second store ({@code open}, for a store whose credentials the URI cannot
   * carry), which is then closed: the lease's {@code checkHeld()} raises the loss with the key and
   * that store.
   */
  public static Case lockLost(java.util.function.Supplier<Store> open, String key) {
    Store holder = open.get();
    return Case.provoked(
        io.libkv.LockLostException.class,
        key,
        holder.description(),
        () -> {
          io.libkv.LockLease lease;
          try {
            lease = holder.newLock(key).lock();
          } finally {
            holder.close();
          }
          lease.checkHeld();
        });
  }

  /**
   * The rows of a backend whose server keeps its own files, so that libkv never reads a store file
   * (store-corrupted, store-locked), and whose unknown outcomes need a cut connection ({@code
   * faultTest} provokes them).
   */
  public static void serverBackend(Map<String, Case> cases, String backend, String faultTest) {
    cases.put("store-corrupted", Case.cannotArise(backend + ": the server keeps its own files"));
    cases.put("store-locked", Case.cannotArise(backend + ": the server keeps its own files"));
    cases.put(
        "unknown-outcome",
        Case.notProvokedHere(
            backend + ": needs a connection cut after a write was sent (" + faultTest + ")"));
  }

  /** Checks {@code cases} against docs/errors.md: one row per anchor, each provoked as it says. */
  public static void check(Map<String, Case> cases) {
    List<String> anchors = anchors();
    assertThat(anchors).as("docs/errors.md anchors").hasSizeGreaterThan(10);
    assertThat(cases.keySet())
        .as("one row per docs/errors.md entry")
        .containsExactlyInAnyOrderElementsOf(anchors);
    for (String anchor : anchors) {
      Case c =
          Objects.requireNonNull(cases.get(anchor)); // the keys were just checked to be the anchors
      if (c.call == null) {
        continue;
      }
      Throwable t = catchThrowable(c.call);
      assertThat(t).as(anchor).isInstanceOf(c.type);
      KVException e = (KVException) t;
      // a full URL, never a path relative to a repository the reader may not have
      assertThat(e.getMessage())
          .as(anchor)
          .matches("(?s).* \\(see https://\\S+/docs/errors\\.md#" + anchor + "\\)");
      assertThat(e.key()).as(anchor + ": key()").isEqualTo(java.util.Optional.ofNullable(c.key));
      assertThat(e.store())
          .as(anchor + ": store()")
          .isEqualTo(java.util.Optional.ofNullable(c.store));
    }
  }
}
