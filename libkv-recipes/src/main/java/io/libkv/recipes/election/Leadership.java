package io.libkv.recipes.election;

import java.util.Objects;

/**
 * One term of leadership: who, and the term's number. Terms strictly increase across terms and
 * leaders of one election key, so the term doubles as the fencing token: pass it to whatever the
 * leader writes, and have that reject tokens lower than the highest it has seen.
 */
public final class Leadership {
  private final String node;
  private final long term;

  Leadership(String node, long term) {
    this.node = Objects.requireNonNull(node, "node");
    this.term = term;
  }

  /** The leader's node id. */
  public String node() {
    return node;
  }

  /** The term: the lock's fencing token, strictly increasing. */
  public long term() {
    return term;
  }

  @Override
  public boolean equals(Object o) {
    return o instanceof Leadership
        && ((Leadership) o).term == term
        && ((Leadership) o).node.equals(node);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(term) * 31 + node.hashCode();
  }

  @Override
  public String toString() {
    return "Leadership{" + node + ", term " + term + "}";
  }
}
