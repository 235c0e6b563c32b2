package io.libkv.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** The fan-out's promises that backends rely on. */
class WatchHubTest {
  private static KVPair pair(String k, String v, long i) {
    return KVPair.of(k, v.getBytes(StandardCharsets.UTF_8), i);
  }

  private static List<KeyEvent> drain(EventChannel<KeyEvent> ch) throws InterruptedException {
    List<KeyEvent> out = new ArrayList<>();
    for (Optional<KeyEvent> e = ch.poll(Duration.ofMillis(50)); e.isPresent(); e = ch.poll(Duration.ofMillis(50))) {
      out.add(e.get());
    }
    return out;
  }

  @Test
  void aDeleteOfAKeyKnownAbsentIsNotDelivered() throws Exception {
    WatchHub hub = new WatchHub();
    EventChannel<KeyEvent> ch = EventChannel.polling("t", 16, Coalescers.KEY);
    hub.attachKey("a", ch).start(null, 5);
    hub.publish(WatchHub.Change.delete("a", 6));
    hub.publish(WatchHub.Change.put(pair("a", "v", 7)));
    hub.publish(WatchHub.Change.delete("a", 8));
    hub.publish(WatchHub.Change.delete("a", 9));
    assertThat(drain(ch)).extracting(KeyEvent::type)
        .containsExactly(EventType.ABSENT, EventType.PUT, EventType.DELETE);
    ch.close();
  }

  @Test
  void changesOfOneWritePublishedApartAreAllDelivered() throws Exception {
    WatchHub hub = new WatchHub();
    EventChannel<io.libkv.TreeEvent> ch = EventChannel.polling("t", 16, Coalescers.TREE);
    hub.attachTree("d", ch).start(List.of(pair("d/a", "1", 3), pair("d/b", "2", 4)), 4);
    // a deleteTree at index 9 reported key by key
    hub.publish(WatchHub.Change.delete("d/a", 9));
    hub.publish(WatchHub.Change.delete("d/b", 9));
    hub.publish(WatchHub.Change.delete("d/b", 9));
    List<io.libkv.TreeEvent> events = new ArrayList<>();
    for (Optional<io.libkv.TreeEvent> e = ch.poll(Duration.ofMillis(50)); e.isPresent(); e = ch.poll(Duration.ofMillis(50))) {
      events.add(e.get());
    }
    assertThat(events).hasSize(3);
    assertThat(events.get(2).pairs()).isEmpty();
    ch.close();
  }
}
