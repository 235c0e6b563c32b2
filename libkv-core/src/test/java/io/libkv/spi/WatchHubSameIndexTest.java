package io.libkv.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.KVPair;
import io.libkv.TreeEvent;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import org.junit.jupiter.api.Test;

/** Changes of one write (one index) that a backend publishes key by key all reach tree watchers. */
class WatchHubSameIndexTest {
  private static KVPair pair(String k, String v, long i) {
    return KVPair.of(k, v.getBytes(StandardCharsets.UTF_8), i);
  }

  @Test
  void changesOfOneWritePublishedApartAreAllDelivered() throws Exception {
    WatchHub hub = new WatchHub();
    EventChannel<TreeEvent> ch = EventChannel.polling("t", 16, Coalescers.TREE);
    hub.attachTree("d", ch).start(List.of(pair("d/a", "1", 3), pair("d/b", "2", 4)), 4);
    // a deleteTree at index 9 reported key by key, one of them twice
    hub.publish(WatchHub.Change.delete("d/a", 9));
    hub.publish(WatchHub.Change.delete("d/b", 9));
    hub.publish(WatchHub.Change.delete("d/b", 9));
    List<TreeEvent> events = new ArrayList<>();
    for (Optional<TreeEvent> e = ch.poll(Duration.ofMillis(50));
        e.isPresent();
        e = ch.poll(Duration.ofMillis(50))) {
      events.add(e.get());
    }
    assertThat(events).hasSize(3);
    assertThat(events.get(2).pairs()).isEmpty();
    ch.close();
  }
}
