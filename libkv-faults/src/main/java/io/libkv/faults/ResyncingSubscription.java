package io.libkv.faults;

import io.libkv.KVException;
import io.libkv.Subscription;
import io.libkv.WatchListener;
import java.util.function.Function;

/**
 * A listener watch over a wrapped store's listener watch that {@link #drop()} replaces by a fresh
 * one, whose first event (its current state) reaches the listener as a RESYNC. Each stream delivers
 * on the user's executor; deliveries hold one lock, so the listener still runs one event at a time,
 * and a replaced stream's late events are dropped.
 */
final class ResyncingSubscription<E> implements Subscription, Droppable {
  private final Function<WatchListener<E>, Subscription> open;
  private final WatchListener<E> listener;
  private final Runnable onEnd;
  private final Sequencer<E> sequencer;
  private final Object delivery = new Object();
  private final Object dropping = new Object();

  // guarded by delivery
  private Subscription current = () -> {};
  private boolean closed;

  private ResyncingSubscription(
      Function<WatchListener<E>, Subscription> open,
      WatchListener<E> listener,
      EventShape<E> shape,
      Runnable onEnd) {
    this.open = open;
    this.listener = listener;
    this.onEnd = onEnd;
    this.sequencer = new Sequencer<>(shape);
  }

  /**
   * Opens the first stream with {@code open}, which subscribes the listener it is given on the
   * wrapped store.
   */
  static <E> ResyncingSubscription<E> open(
      Function<WatchListener<E>, Subscription> open,
      WatchListener<E> listener,
      EventShape<E> shape,
      Runnable onEnd) {
    ResyncingSubscription<E> s = new ResyncingSubscription<>(open, listener, shape, onEnd);
    Subscription first = open.apply(s.listenerFor(0));
    synchronized (s.delivery) {
      s.current = first;
    }
    return s;
  }

  private WatchListener<E> listenerFor(long gen) {
    return new WatchListener<>() {
      @Override
      public void onEvent(E event) {
        synchronized (delivery) {
          E out = closed ? null : sequencer.accept(event, gen);
          if (out != null) {
            listener.onEvent(out);
          }
        }
      }

      @Override
      public void onError(KVException error) {
        synchronized (delivery) {
          if (closed || gen != sequencer.generation()) {
            return;
          }
          closed = true;
          listener.onError(error);
        }
        onEnd.run();
      }
    };
  }

  @Override
  public boolean drop() {
    synchronized (dropping) {
      long gen;
      synchronized (delivery) {
        if (closed) {
          return false;
        }
        // from here the old stream's events are dropped and the new one's first is the RESYNC
        gen = sequencer.next();
      }
      Subscription fresh;
      try {
        fresh = open.apply(listenerFor(gen));
      } catch (KVException e) {
        // what a backend does with a watch that cannot continue: it ends with the error
        Subscription old;
        synchronized (delivery) {
          old = current;
          closed = true;
          listener.onError(e);
        }
        old.close();
        onEnd.run();
        return true;
      }
      Subscription old;
      synchronized (delivery) {
        if (closed) {
          old = fresh;
        } else {
          old = current;
          current = fresh;
        }
      }
      old.close();
      return true;
    }
  }

  @Override
  public void close() {
    Subscription s;
    synchronized (delivery) {
      closed = true;
      s = current;
    }
    s.close();
    onEnd.run();
  }
}
