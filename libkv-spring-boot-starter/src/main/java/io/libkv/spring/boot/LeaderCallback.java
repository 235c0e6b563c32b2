package io.libkv.spring.boot;

import io.libkv.recipes.election.Leadership;

/**
 * Work an application does only while it leads: declare beans of this type and set {@code
 * libkv.leader.key}, and the {@link LeaderElection} calls every one of them when this node wins and
 * when its term ends.
 *
 * <p>Calls come one at a time on the election's own thread, in order: every {@code elected} is
 * followed by its {@code deposed} before the next {@code elected}, also when the application shuts
 * down. Start leader-only work in {@code elected} and return; stop it in {@code deposed}. Pass the
 * term's number ({@link Leadership#term()}) with what the leader writes, so that a stale leader's
 * late writes can be refused.
 */
public interface LeaderCallback {
  /** This node became leader for {@code term}. */
  void elected(Leadership term);

  /** This node's {@code term} ended: stop acting as leader before returning. */
  void deposed(Leadership term);
}
