package io.libkv.spi;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.EventType;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import java.time.Duration;
import org.junit.jupiter.api.Test;

class WatchHubTest {
  @Test
  void deleteOfAKeyTheInitialStateShowedAbsentIsNotDelivered() throws Exception {
    WatchHub hub = new WatchHub();
    EventChannel<KeyEvent> ch = EventChannel.polling("t", 16, Coalescers.KEY);
    WatchHub.KeyWatcher w = hub.attachKey("a", ch);
    w.start(null, 10);
    // a backend that diffs listings learns of a delete that happened before the initial read, late
    hub.publish(WatchHub.Change.delete("a", 12));
    hub.publish(WatchHub.Change.put(KVPair.of("a", new byte[] {1}, 13)));
    hub.publish(WatchHub.Change.delete("a", 14));
    assertThat(ch.take().type()).isEqualTo(EventType.ABSENT);
    assertThat(ch.take().type()).isEqualTo(EventType.PUT);
    KeyEvent del = ch.take();
    assertThat(del.type()).isEqualTo(EventType.DELETE);
    assertThat(del.index()).isEqualTo(14);
    assertThat(ch.poll(Duration.ofMillis(20))).isEmpty();
  }
}
