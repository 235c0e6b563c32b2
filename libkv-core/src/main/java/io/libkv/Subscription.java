package io.libkv;

/** A registration that {@link #close()} cancels; idempotent. */
@FunctionalInterface
public interface Subscription extends AutoCloseable {
  @Override
  void close();
}
