package io.libkv.recipes.election;

import io.libkv.KVException;

/**
 * Hears a {@link Candidate}'s terms, on the candidate's executor, one call at a time and in order:
 * every {@code elected} is followed by its {@code deposed} before the next {@code elected}.
 *
 * <p>{@code deposed} comes as soon as the client can know the term ended (a failed renewal, a
 * suspended connection, a resign, {@code close()}); until it comes the node may still be leader,
 * and after it comes the node must stop acting. A stale leader's late writes are stopped by the
 * term's fencing token, not by timing.
 */
public interface LeadershipListener {
  /** This node became leader for {@code term}. */
  void elected(Leadership term);

  /** This node's {@code term} ended. */
  void deposed(Leadership term);

  /** The campaign hit a store error; it goes on after a backoff. */
  default void error(KVException error) {}
}
