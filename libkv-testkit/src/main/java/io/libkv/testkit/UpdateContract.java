package io.libkv.testkit;

import static io.libkv.testkit.StoreCompatibilityKit.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

import io.libkv.KVPair;
import io.libkv.KeyModifiedException;
import io.libkv.Store;
import io.libkv.UpdateConflictException;
import io.libkv.UpdateOptions;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The read-modify-write sentences of the contract; run by {@link StoreCompatibilityKit}. */
abstract class UpdateContract {
  private final StoreCompatibilityKit kit;

  UpdateContract(StoreCompatibilityKit kit) {
    this.kit = kit;
  }

  private static int count(Optional<KVPair> p) {
    return p.map(v -> Integer.parseInt(v.valueAsString())).orElse(0);
  }

  @Test
  @Tag("core")
  @DisplayName(
      "update creates an absent key from an empty current pair and returns the stored pair")
  void createsAbsentKey() {
    String k = kit.key("counter");
    List<Optional<KVPair>> seen = new ArrayList<>();
    KVPair stored =
        kit.store.update(
            k,
            cur -> {
              seen.add(cur);
              return utf8(String.valueOf(count(cur) + 1));
            });
    assertThat(seen).containsExactly(Optional.empty());
    assertThat(stored).isEqualTo(kit.store.get(k));
    assertThat(stored.valueAsString()).isEqualTo("1");
    KVPair again = kit.store.update(k, cur -> utf8(String.valueOf(count(cur) + 1)));
    assertThat(again.valueAsString()).isEqualTo("2");
    assertThat(again.lastIndex()).isGreaterThan(stored.lastIndex());
  }

  @Test
  @Tag("core")
  @DisplayName("Concurrent updates of one counter from several clients lose no increment")
  void concurrentIncrementsAreAllKept() throws Exception {
    String k = kit.key("counter");
    int workers = 4;
    int each = 25;
    List<Store> clients = new ArrayList<>();
    for (int i = 0; i < workers; i++) {
      clients.add(kit.client());
    }
    UpdateOptions patient = UpdateOptions.builder().maxAttempts(1_000).build();
    Waits.inParallel(
        workers,
        kit.timing.operation.multipliedBy(6),
        i -> {
          for (int n = 0; n < each; n++) {
            clients.get(i).update(k, patient, cur -> utf8(String.valueOf(count(cur) + 1)));
          }
        });
    assertThat(kit.store.get(k).valueAsString()).isEqualTo(String.valueOf(workers * each));
  }

  @Test
  @DisplayName(
      "After a conflict the function is called again with the pair that won, and the update applies to it")
  void retriesWithTheWinningPair() {
    String k = kit.key("k");
    kit.store.put(k, utf8("10"));
    Store other = kit.client();
    List<String> seen = new CopyOnWriteArrayList<>();
    AtomicInteger calls = new AtomicInteger();
    KVPair stored =
        kit.store.update(
            k,
            cur -> {
              seen.add(cur.orElseThrow().valueAsString());
              if (calls.incrementAndGet() == 1) {
                other.put(k, utf8("20")); // beats this attempt
              }
              return utf8(String.valueOf(count(cur) + 1));
            });
    assertThat(seen).containsExactly("10", "20");
    assertThat(stored.valueAsString()).isEqualTo("21");
    assertThat(kit.store.get(k)).isEqualTo(stored);
  }

  @Test
  @DisplayName(
      "After maxAttempts conflicts update throws UpdateConflictException (a KeyModifiedException); its last attempt wrote nothing")
  void givesUpAfterMaxAttempts() {
    String k = kit.key("k");
    kit.store.put(k, utf8("0"));
    Store other = kit.client();
    AtomicInteger calls = new AtomicInteger();
    UpdateOptions three = UpdateOptions.builder().maxAttempts(3).build();
    UpdateConflictException e =
        org.assertj.core.api.Assertions.catchThrowableOfType(
            UpdateConflictException.class,
            () ->
                kit.store.update(
                    k,
                    three,
                    cur -> {
                      other.put(k, utf8("other" + calls.incrementAndGet()));
                      return utf8("mine");
                    }));
    assertThat(e).isNotNull().isInstanceOf(KeyModifiedException.class);
    assertThat(e.attempts()).isEqualTo(3);
    assertThat(e.key()).contains(k);
    assertThat(calls.get()).isEqualTo(3);
    assertThat(kit.store.get(k).valueAsString()).isEqualTo("other3");
  }

  @Test
  @DisplayName("An exception thrown by the function ends the update unchanged, nothing written")
  void functionExceptionEndsTheUpdate() {
    String k = kit.key("k");
    kit.store.put(k, utf8("0"));
    KVPair before = kit.store.get(k);
    assertThatExceptionOfType(IllegalStateException.class)
        .isThrownBy(
            () ->
                kit.store.update(
                    k,
                    cur -> {
                      throw new IllegalStateException("refused by the application");
                    }));
    assertThat(kit.store.get(k)).isEqualTo(before);
  }
}
