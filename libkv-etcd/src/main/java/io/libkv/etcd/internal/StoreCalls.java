package io.libkv.etcd.internal;

import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What the store's collaborators ({@link StoreWatch}, {@link Leases}) ask of it: calls waited for
 * within the operation timeout with their failures mapped, reads retried while etcd is unreachable,
 * writes retried only when known not sent, snapshots of a key or directory, and news of the
 * connection.
 */
interface StoreCalls {
  /** Waits for one call; its failure as the store's exception. */
  <T> T await(CompletableFuture<T> f, @Nullable String key, boolean write);

  /** A read, retried while the store is unreachable, up to the operation timeout. */
  <T> T read(Supplier<CompletableFuture<T>> call, @Nullable String key);

  /** A write: retried only when it is known not to have reached a server. */
  <T> T write(Supplier<CompletableFuture<T>> call, @Nullable String key);

  /** One key at {@code revision} (0: now): the pair (null when absent) and the revision read. */
  EtcdStore.KeyRead readKey(String key, long revision);

  /** A directory's pairs at {@code revision} (0: now). */
  EtcdStore.Listing list(String dir, long revision);

  /** A call succeeded. */
  void connectionOk();

  /** A call failed for the connection. */
  void connectionFailed();
}
