package io.libkv.internal;

import io.libkv.Keys;
import java.util.concurrent.CopyOnWriteArrayList;

/** Tells a store's open views of the writes made through it, so their reads can wait for them. */
public final class WriteTracker {
  /** A view told of writes. */
  public interface Listener {
    /** The canonical directory the view holds. */
    String directory();

    /** A write of {@code key} completed at {@code index} (0: not known). */
    void wrote(String key, boolean delete, long index);

    /** The store was closed: the view follows it no more. */
    void storeClosed();
  }

  private final CopyOnWriteArrayList<Listener> listeners = new CopyOnWriteArrayList<>();

  /** A tracker with no views. */
  public WriteTracker() {}

  /** Adds a view. */
  public void add(Listener l) {
    listeners.add(l);
  }

  /** Removes a view. */
  public void remove(Listener l) {
    listeners.remove(l);
  }

  /** Whether an open view holds {@code key} (canonical). */
  public boolean covers(String key) {
    for (Listener l : listeners) {
      if (holds(l.directory(), key)) {
        return true;
      }
    }
    return false;
  }

  /** Tells the views holding {@code key} of a completed write. */
  public void wrote(String key, boolean delete, long index) {
    for (Listener l : listeners) {
      if (holds(l.directory(), key)) {
        l.wrote(key, delete, index);
      }
    }
  }

  /** Tells every view its store was closed. */
  public void storeClosed() {
    for (Listener l : listeners) {
      l.storeClosed();
    }
    listeners.clear();
  }

  static boolean holds(String dir, String key) {
    return dir.isEmpty() ? !Keys.isReserved(key) : Keys.isBelow(key, dir);
  }
}
