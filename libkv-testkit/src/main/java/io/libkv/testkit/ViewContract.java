package io.libkv.testkit;

import static io.libkv.testkit.StoreCompatibilityKit.utf8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;

import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyNotFoundException;
import io.libkv.StaleViewException;
import io.libkv.Store;
import io.libkv.Transaction;
import io.libkv.TreeEvent;
import io.libkv.View;
import io.libkv.ViewOptions;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/** The cached-view sentences of the contract; run by {@link StoreCompatibilityKit}. */
abstract class ViewContract {
  private final StoreCompatibilityKit kit;

  ViewContract(StoreCompatibilityKit kit) {
    this.kit = kit;
  }

  private String dir() {
    return kit.key("view");
  }

  @Test
  @Tag("core")
  @DisplayName(
      "A view starts from one listing and follows other clients' writes, each read at one index")
  void followsOtherClients() {
    String d = dir();
    kit.store.putAll(Map.of(d + "/a", utf8("1"), d + "/b/c", utf8("2")));
    KVPair b = kit.store.get(d + "/b/c");
    Store other = kit.client();
    try (View v = kit.store.view(d)) {
      assertThat(v.directory()).isEqualTo(d);
      assertThat(StoreCompatibilityKit.keysOf(v.pairs())).containsExactly(d + "/a", d + "/b/c");
      assertThat(v.get(d + "/b/c")).isEqualTo(b);
      assertThat(v.list(d + "/b")).containsExactly(b);
      assertThat(v.index()).isGreaterThanOrEqualTo(b.lastIndex());
      other.put(d + "/a", utf8("changed"));
      other.delete(d + "/b/c");
      Waits.within(kit.timing.operation)
          .until(() -> !v.exists(d + "/b/c") && "changed".equals(v.get(d + "/a").valueAsString()));
      assertThat(v.get(d + "/a")).isEqualTo(other.get(d + "/a"));
      assertThat(v.index()).isGreaterThanOrEqualTo(v.get(d + "/a").lastIndex());
      assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> v.get(d + "/b/c"));
      assertThatExceptionOfType(KeyNotFoundException.class).isThrownBy(() -> v.list(d + "/b"));
      assertThat(v.isHealthy()).isTrue();
      assertThat(v.staleness()).isEqualTo(Duration.ZERO);
    }
  }

  @Test
  @Tag("core")
  @DisplayName(
      "A read after a write through the view's store shows that write, without waiting by the caller")
  void readYourWritesThroughTheStore() {
    String d = dir();
    String k = d + "/k";
    try (View v = kit.store.view(d)) {
      for (int i = 0; i < 20; i++) {
        kit.store.put(k, utf8("v" + i));
        assertThat(v.get(k).valueAsString()).as("after put %d", i).isEqualTo("v" + i);
        kit.store.delete(k);
        assertThat(v.exists(k)).as("after delete %d", i).isFalse();
      }
      kit.store.put(k, utf8("x"));
      KVPair x = kit.store.get(k);
      KVPair y = kit.store.atomicPut(k, utf8("y"), x, io.libkv.WriteOptions.DEFAULT);
      assertThat(v.get(k)).isEqualTo(y);
      kit.store.commit(
          Transaction.builder().ifIndex(y).put(k, utf8("z")).put(d + "/other", utf8("o")).build());
      assertThat(v.get(k).valueAsString()).isEqualTo("z");
      assertThat(v.get(d + "/other").valueAsString()).isEqualTo("o");
      kit.store.atomicDelete(k, kit.store.get(k));
      assertThat(v.exists(k)).isFalse();
    }
  }

  @Test
  @DisplayName("Writes through the view show in its next read; update starts from the view's image")
  void writesThroughTheView() {
    String d = dir();
    try (View v = kit.store.view(d)) {
      KVPair p = v.put(d + "/a", utf8("1"));
      assertThat(v.get(d + "/a")).isEqualTo(p);
      assertThat(kit.store.get(d + "/a")).isEqualTo(p);
      KVPair q = v.update(d + "/a", cur -> utf8(cur.orElseThrow().valueAsString() + "+1"));
      assertThat(q.valueAsString()).isEqualTo("1+1");
      assertThat(v.get(d + "/a")).isEqualTo(q);
      v.commit(Transaction.builder().ifIndex(q).delete(d + "/a").put(d + "/b", utf8("b")).build());
      assertThat(v.exists(d + "/a")).isFalse();
      assertThat(v.get(d + "/b").valueAsString()).isEqualTo("b");
      v.delete(d + "/b");
      assertThat(v.exists(d + "/b")).isFalse();
    }
  }

  @Test
  @DisplayName("Listeners of a view get each change with the new image")
  void listenersGetChanges() throws Exception {
    String d = dir();
    LinkedBlockingQueue<TreeEvent> events = new LinkedBlockingQueue<>();
    try (View v = kit.store.view(d)) {
      v.onChange(events::add, kit.executor());
      kit.client().put(d + "/x", utf8("1"));
      TreeEvent e = events.poll(kit.timing.operation.toMillis(), TimeUnit.MILLISECONDS);
      assertThat(e).as("an event within %s", kit.timing.operation).isNotNull();
      assertThat(e.type()).isEqualTo(EventType.PUT);
      assertThat(StoreCompatibilityKit.keysOf(e.pairs())).containsExactly(d + "/x");
    }
  }

  @Test
  @DisplayName("A key outside the view is refused; a closed view refuses reads")
  void misuse() {
    String d = dir();
    View v = kit.store.view(d);
    assertThatIllegalArgumentException().isThrownBy(() -> v.get(kit.key("elsewhere")));
    assertThatIllegalArgumentException().isThrownBy(() -> v.put(kit.key("elsewhere"), utf8("x")));
    v.close();
    v.close();
    assertThatIllegalStateException().isThrownBy(() -> v.get(d + "/a"));
    kit.assertNothingWritten();
  }

  @Test
  @DisplayName(
      "A view cut off from its store longer than maxStaleness refuses reads, and follows again once reconnected")
  void staleViewRefusesReads() {
    String d = dir();
    Store watched = kit.client();
    Store writer = kit.client();
    writer.put(d + "/a", utf8("1"));
    try (View v = watched.view(d, ViewOptions.builder().maxStaleness(Duration.ZERO).build())) {
      assertThat(v.get(d + "/a").valueAsString()).isEqualTo("1");
      kit.cutOff(watched);
      Waits.within(kit.timing.operation.plus(kit.timing.slack)).until(() -> !v.isHealthy());
      assertThatExceptionOfType(StaleViewException.class).isThrownBy(() -> v.get(d + "/a"));
      writer.put(d + "/a", utf8("2"));
      kit.reconnect(watched);
      Waits.within(kit.timing.operation.multipliedBy(2))
          .ignoreExceptionsInstanceOf(StaleViewException.class)
          .until(() -> "2".equals(v.get(d + "/a").valueAsString()));
      assertThat(v.isHealthy()).isTrue();
    }
  }

  @Test
  @DisplayName("A view whose watch ended with its store says so on every read")
  void viewOfClosedStore() {
    String d = dir();
    Store s = kit.client();
    View v = s.view(d);
    s.close();
    Throwable t = org.assertj.core.api.Assertions.catchThrowable(() -> v.get(d + "/a"));
    assertThat(t).isInstanceOf(IllegalStateException.class);
    assertThat(v.isHealthy()).isFalse();
    v.close();
  }
}
