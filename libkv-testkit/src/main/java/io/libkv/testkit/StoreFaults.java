package io.libkv.testkit;

import io.libkv.Store;

/**
 * The faults a backend's kit can inject into one client, for the tests of what the contract
 * promises when a session dies or a client is cut off.
 *
 * <p>Every fault is optional. The default of each throws {@link UnsupportedOperationException}, so
 * a test that needs a fault the backend does not supply fails loudly; a backend that really cannot
 * inject it names those tests, with the reason, in {@link StoreCompatibilityKit#excludedTests()}
 * (and in {@code docs/compatibility.md}).
 */
public interface StoreFaults {
  /** Supplies no fault: every method throws. */
  StoreFaults NONE = new StoreFaults() {};

  /**
   * Makes the server expire {@code store}'s session or lease now (ZooKeeper session expiry, etcd
   * lease revocation, Consul session destruction): its ephemeral keys go, its locks are lost. The
   * store itself stays open and goes on with a new session.
   */
  default void killSession(Store store) {
    throw unsupported("killSession");
  }

  /**
   * Cuts {@code store} off from the server: its calls fail and its renewals fail, so the server
   * expires its session after the TTL. The store stays open; {@link #reconnect(Store)} undoes it.
   */
  default void cutOff(Store store) {
    throw unsupported("cutOff");
  }

  /** Lets a store cut off by {@link #cutOff(Store)} reach the server again. */
  default void reconnect(Store store) {
    throw unsupported("reconnect");
  }

  /**
   * Makes the server forget its change history up to now (etcd compaction, a Consul or bbolt
   * history window passed), so that a watch resumed from an earlier index cannot replay the changes
   * since and must re-read the current state.
   */
  default void compactHistory(Store store) {
    throw unsupported("compactHistory");
  }

  private static UnsupportedOperationException unsupported(String fault) {
    return new UnsupportedOperationException(
        "this backend's kit injects no "
            + fault
            + " fault: implement "
            + "StoreFaults."
            + fault
            + " in faults(), or exclude the test with its reason in excludedTests() "
            + "(mirrored in docs/compatibility.md)");
  }
}
