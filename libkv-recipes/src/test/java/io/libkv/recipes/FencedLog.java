package io.libkv.recipes;

import java.util.ArrayList;
import java.util.List;

/**
 * A store of data that leaders write to with their term as fencing token: it rejects a token lower
 * than the highest it has accepted, and records what it accepted.
 */
public final class FencedLog {
  private long highest;
  private final List<long[]> accepted = new ArrayList<>();
  private int rejected;

  /** Appends {@code action} for {@code term}; false if the term is stale. */
  public synchronized boolean append(long term, long action) {
    if (term < highest) {
      rejected++;
      return false;
    }
    highest = term;
    accepted.add(new long[] {term, action});
    return true;
  }

  /** Whether terms never go backwards in what was accepted. */
  public synchronized boolean termsMonotonic() {
    long last = 0;
    for (long[] a : accepted) {
      if (a[0] < last) {
        return false;
      }
      last = a[0];
    }
    return true;
  }

  /** How many appends were rejected as stale. */
  public synchronized int rejected() {
    return rejected;
  }

  /** How many were accepted. */
  public synchronized int size() {
    return accepted.size();
  }
}
