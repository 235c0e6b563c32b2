package io.libkv.testkit.servers;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashSet;
import java.util.Set;
import org.junit.jupiter.api.DisplayName;
import org.junit.jupiter.api.Test;

class FreePortsTest {
  @Test
  @DisplayName(
      "no port is handed out twice in a JVM (a cluster node once got its bus port as its client port)")
  void portsAreNeverRepeated() {
    Set<Integer> seen = new HashSet<>();
    for (int i = 0; i < 3000; i++) {
      int p = FreePorts.next();
      assertThat(seen.add(p)).as("port %d handed out again, call %d", p, i).isTrue();
    }
  }
}
