package io.libkv.faults;

import io.libkv.KVException;
import io.libkv.Watch;
import java.time.Duration;
import java.util.Iterator;
import java.util.NoSuchElementException;
import java.util.Objects;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * A polling watch over a wrapped store's watch that {@link #drop()} replaces by a fresh one: what
 * the old one still buffered is lost, and the new one's first event (its current state) comes as a
 * RESYNC. Buffering and coalescing stay the wrapped watch's.
 */
final class ResyncingWatch<E> implements Watch<E>, Droppable {
  private final Supplier<Watch<E>> reopen;
  private final Runnable onEnd;
  private final Sequencer<E> sequencer;
  private final CompletableFuture<Void> done = new CompletableFuture<>();
  private final Object dropping = new Object();

  // guarded by this
  private Watch<E> current;
  private boolean closed;
  private @Nullable KVException failure;

  ResyncingWatch(Watch<E> first, EventShape<E> shape, Supplier<Watch<E>> reopen, Runnable onEnd) {
    this.reopen = reopen;
    this.onEnd = onEnd;
    this.sequencer = new Sequencer<>(shape);
    this.current = first;
    follow(first, 0);
  }

  /** Ends this watch as {@code w} ends, unless {@code w} was replaced by then. */
  private void follow(Watch<E> w, long gen) {
    w.done()
        .whenComplete(
            (v, e) -> {
              synchronized (this) {
                if (gen != sequencer.generation()) {
                  return;
                }
              }
              if (e == null) {
                done.complete(null);
              } else {
                done.completeExceptionally(e);
              }
              onEnd.run();
            });
  }

  @Override
  public boolean drop() {
    synchronized (dropping) {
      synchronized (this) {
        if (closed || failure != null || !current.isOpen()) {
          return false;
        }
      }
      Watch<E> fresh;
      try {
        fresh = reopen.get();
      } catch (KVException e) {
        // what a backend does with a watch that cannot continue: it ends with the error
        fail(e);
        return true;
      }
      Watch<E> old;
      synchronized (this) {
        if (closed) {
          fresh.close();
          return false;
        }
        old = current;
        current = fresh;
        follow(fresh, sequencer.next());
      }
      old.close();
      return true;
    }
  }

  private void fail(KVException e) {
    Watch<E> w;
    synchronized (this) {
      failure = e;
      w = current;
      sequencer.next();
    }
    w.close();
    done.completeExceptionally(e);
    onEnd.run();
  }

  private synchronized Watch<E> current() {
    if (failure != null) {
      throw failure;
    }
    if (closed) {
      throw new IllegalStateException("the watch was closed");
    }
    return current;
  }

  private synchronized boolean replaced(long gen) {
    return gen != sequencer.generation() && !closed;
  }

  private synchronized @Nullable E accept(E event, long gen) {
    return sequencer.accept(event, gen);
  }

  private synchronized long generation() {
    return sequencer.generation();
  }

  @Override
  public E take() throws InterruptedException {
    while (true) {
      long gen = generation();
      Watch<E> w = current();
      if (gen != generation()) {
        continue;
      }
      E e;
      try {
        e = w.take();
      } catch (IllegalStateException | KVException x) {
        if (replaced(gen)) {
          continue;
        }
        throw x;
      }
      E out = accept(e, gen);
      if (out != null) {
        return out;
      }
    }
  }

  @Override
  public Optional<E> poll(Duration timeout) throws InterruptedException {
    Objects.requireNonNull(timeout, "timeout");
    long deadline = System.nanoTime() + saturatedNanos(timeout);
    while (true) {
      long gen = generation();
      Watch<E> w = current();
      if (gen != generation()) {
        continue;
      }
      long left = Math.max(0, deadline - System.nanoTime());
      Optional<E> e;
      try {
        e = w.poll(Duration.ofNanos(left));
      } catch (IllegalStateException | KVException x) {
        if (replaced(gen)) {
          continue;
        }
        throw x;
      }
      if (e.isPresent()) {
        E out = accept(e.get(), gen);
        if (out != null) {
          return Optional.of(out);
        }
      }
      if (deadline - System.nanoTime() <= 0) {
        return Optional.empty();
      }
    }
  }

  private static long saturatedNanos(Duration d) {
    // a deadline far enough out never to come, without overflowing nanoTime arithmetic
    long max = Long.MAX_VALUE / 4;
    return d.compareTo(Duration.ofNanos(max)) > 0 ? max : d.toNanos();
  }

  @Override
  public Iterator<E> iterator() {
    return new Iterator<>() {
      private @Nullable E next;

      @Override
      public boolean hasNext() {
        if (next != null) {
          return true;
        }
        try {
          next = take();
          return true;
        } catch (InterruptedException ie) {
          Thread.currentThread().interrupt();
          return false;
        } catch (IllegalStateException closedWatch) {
          return false;
        }
      }

      @Override
      public E next() {
        if (!hasNext()) {
          throw new NoSuchElementException();
        }
        E e = Objects.requireNonNull(next);
        next = null;
        return e;
      }
    };
  }

  @Override
  public synchronized boolean isOpen() {
    return !closed && failure == null && current.isOpen();
  }

  @Override
  public synchronized Optional<KVException> failure() {
    return failure != null ? Optional.of(failure) : current.failure();
  }

  @Override
  public CompletableFuture<Void> done() {
    return done;
  }

  @Override
  public void close() {
    Watch<E> w;
    synchronized (this) {
      closed = true;
      w = current;
    }
    w.close();
    done.complete(null);
    onEnd.run();
  }

  @Override
  public synchronized String toString() {
    return "ResyncingWatch{" + current + "}";
  }
}
