package io.libkv.util;

import io.libkv.Capabilities;
import io.libkv.ConnectionState;
import io.libkv.KVPair;
import io.libkv.KeepAliveEvent;
import io.libkv.KeyEvent;
import io.libkv.Lock;
import io.libkv.LockOptions;
import io.libkv.Store;
import io.libkv.StoreStatus;
import io.libkv.Subscription;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import io.libkv.TreeEvent;
import io.libkv.UpdateOptions;
import io.libkv.View;
import io.libkv.ViewOptions;
import io.libkv.Watch;
import io.libkv.WatchListener;
import io.libkv.WatchOptions;
import io.libkv.WriteOptions;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.Executor;
import java.util.function.Consumer;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * A {@link Store} that passes every call to another store: the base for decorators (metrics, fault
 * injection, tracing) that change a few calls and keep the rest.
 *
 * <p>Every method forwards, the {@code default} ones of {@link Store} included, so the delegate's
 * own implementation of a shortcut (such as {@code atomicCreate}) is the one that runs. A decorator
 * that observes a family of calls therefore overrides each member it cares about, not only the most
 * general one.
 */
public abstract class ForwardingStore implements Store {
  private final Store delegate;

  /**
   * @param delegate the store every call goes to
   */
  protected ForwardingStore(Store delegate) {
    this.delegate = Objects.requireNonNull(delegate, "delegate");
  }

  /** The store calls are passed to. */
  protected Store delegate() {
    return delegate;
  }

  @Override
  public void put(String key, byte[] value) {
    delegate.put(key, value);
  }

  @Override
  public void put(String key, byte[] value, WriteOptions options) {
    delegate.put(key, value, options);
  }

  @Override
  public void putAll(Map<String, byte[]> entries) {
    delegate.putAll(entries);
  }

  @Override
  public KVPair get(String key) {
    return delegate.get(key);
  }

  @Override
  public boolean exists(String key) {
    return delegate.exists(key);
  }

  @Override
  public void delete(String key) {
    delegate.delete(key);
  }

  @Override
  public List<KVPair> list(String dir) {
    return delegate.list(dir);
  }

  @Override
  public void deleteTree(String dir) {
    delegate.deleteTree(dir);
  }

  @Override
  public KVPair atomicPut(
      String key, byte[] value, @Nullable KVPair previous, WriteOptions options) {
    return delegate.atomicPut(key, value, previous, options);
  }

  @Override
  public KVPair atomicCreate(String key, byte[] value, WriteOptions options) {
    return delegate.atomicCreate(key, value, options);
  }

  @Override
  public void atomicDelete(String key, KVPair previous) {
    delegate.atomicDelete(key, previous);
  }

  @Override
  public TransactionResult commit(Transaction transaction) {
    return delegate().commit(transaction);
  }

  @Override
  public KVPair update(String key, Function<Optional<KVPair>, byte[]> fn) {
    return delegate().update(key, fn);
  }

  @Override
  public KVPair update(String key, UpdateOptions options, Function<Optional<KVPair>, byte[]> fn) {
    return delegate().update(key, options, fn);
  }

  @Override
  public View view(String dir) {
    return delegate().view(dir);
  }

  @Override
  public View view(String dir, ViewOptions options) {
    return delegate().view(dir, options);
  }

  @Override
  public Watch<KeyEvent> watch(String key) {
    return delegate.watch(key);
  }

  @Override
  public Watch<KeyEvent> watch(String key, WatchOptions options) {
    return delegate.watch(key, options);
  }

  @Override
  public Watch<TreeEvent> watchTree(String dir) {
    return delegate.watchTree(dir);
  }

  @Override
  public Watch<TreeEvent> watchTree(String dir, WatchOptions options) {
    return delegate.watchTree(dir, options);
  }

  @Override
  public Subscription watch(
      String key, WatchOptions options, WatchListener<KeyEvent> listener, Executor executor) {
    return delegate.watch(key, options, listener, executor);
  }

  @Override
  public Subscription watchTree(
      String dir, WatchOptions options, WatchListener<TreeEvent> listener, Executor executor) {
    return delegate.watchTree(dir, options, listener, executor);
  }

  @Override
  public Lock newLock(String key) {
    return delegate.newLock(key);
  }

  @Override
  public Lock newLock(String key, LockOptions options) {
    return delegate.newLock(key, options);
  }

  @Override
  public Capabilities capabilities() {
    return delegate.capabilities();
  }

  @Override
  public Subscription onKeepAlive(Consumer<KeepAliveEvent> listener, Executor executor) {
    return delegate().onKeepAlive(listener, executor);
  }

  @Override
  public Subscription onConnectionStateChange(
      Consumer<ConnectionState> listener, Executor executor) {
    return delegate.onConnectionStateChange(listener, executor);
  }

  @Override
  public String description() {
    return delegate.description();
  }

  @Override
  public StoreStatus status() {
    return delegate.status();
  }

  @Override
  public void close() {
    delegate.close();
  }

  @Override
  public String toString() {
    return getClass().getSimpleName() + "[" + delegate.description() + "]";
  }
}
