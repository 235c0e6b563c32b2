package io.libkv.faults;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.UnknownOutcomeException;
import io.libkv.WriteOptions;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The README's fault injection example, compiled and run as written: keep the two in step. */
class ReadmeFaultsTest {
  /** The README's application code. */
  static final class Orders {
    private final Store store;

    Orders(Store store) {
      this.store = store;
    }

    // ---- as in the README
    void place(String id, String items) {
      String key = "orders/" + id;
      try {
        store.atomicCreate(key, items.getBytes(UTF_8), WriteOptions.DEFAULT);
      } catch (UnknownOutcomeException e) {
        if (!store.exists(key)) {
          store.atomicCreate(key, items.getBytes(UTF_8), WriteOptions.DEFAULT);
        }
      }
    }
    // ----
  }

  @Test
  void retryAfterAnUnknownOutcome() {
    // ---- as in the README
    try (FaultInjectingStore store = FaultInjectingStore.wrap(LibKV.open("memory:"))) {
      store.unknownOutcome(WriteOutcome.applied()); // the next write applies, its answer is lost

      Orders orders = new Orders(store); // the code under test
      orders.place("order-1", "2 apples"); // retries: reads the key, sees it written

      assertThat(store.delegate().get("orders/order-1").value())
          .asString(UTF_8)
          .isEqualTo("2 apples");
      assertThat(store.calls(Operation.ATOMIC_CREATE)) // attempted once, not written twice
          .extracting(Call::faults)
          .containsExactly(List.of(FaultKind.UNKNOWN_OUTCOME_APPLIED));
    }
    // ----
  }

  @Test
  void aWriteNotAppliedIsWrittenByTheRetry() {
    // the other outcome: the check finds nothing, so the retry writes
    try (FaultInjectingStore store = FaultInjectingStore.wrap(LibKV.open("memory:"))) {
      store.unknownOutcome(WriteOutcome.notApplied());
      new Orders(store).place("order-2", "pears");
      assertThat(store.calls(Operation.ATOMIC_CREATE))
          .extracting(Call::faults)
          .containsExactly(List.of(FaultKind.UNKNOWN_OUTCOME_NOT_APPLIED), List.of());
      assertThat(store.delegate().exists("orders/order-2")).isTrue();
    }
  }
}
