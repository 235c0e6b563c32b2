package io.libkv.bolt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * flock(2) compatibility: we see locks taken by flock(1) (the lock Go's bbolt takes), and our own.
 */
class LockingTest {
  @TempDir Path tmp;

  private static BoltOptions timeout(Duration d, boolean readOnly) {
    return BoltOptions.builder().lockTimeout(d).readOnly(readOnly).build();
  }

  @Test
  void writerTimesOutWhileAnotherProcessHoldsTheFlock() throws Exception {
    Path p = tmp.resolve("locked.db");
    BoltDB.open(p).close();
    Process holder = new ProcessBuilder("flock", "-o", "-x", p.toString(), "sleep", "30").start();
    try {
      waitUntilLocked(p);
      long t0 = System.nanoTime();
      assertThatThrownBy(() -> BoltDB.open(p, timeout(Duration.ofMillis(300), false)))
          .isInstanceOf(BoltLockedException.class)
          .hasMessageContaining("locked by another process")
          .hasMessageContaining(p.toString());
      assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(250));
      assertThatThrownBy(() -> BoltDB.open(p, timeout(Duration.ZERO, true)))
          .isInstanceOf(BoltLockedException.class);
    } finally {
      holder.descendants().forEach(ProcessHandle::destroyForcibly);
      holder.destroyForcibly().waitFor();
    }
    try (BoltDB db = BoltDB.open(p, timeout(Duration.ofSeconds(5), false))) {
      assertThat(db.check()).isEmpty();
    }
  }

  @Test
  void sharedLocksCoexistButExcludeWriters() throws Exception {
    Path p = tmp.resolve("shared.db");
    BoltDB.open(p).close();
    Process holder = new ProcessBuilder("flock", "-o", "-s", p.toString(), "sleep", "30").start();
    try {
      Thread.sleep(300);
      try (BoltDB ro = BoltDB.open(p, timeout(Duration.ofSeconds(2), true))) {
        assertThat(ro.isReadOnly()).isTrue();
      }
      assertThatThrownBy(() -> BoltDB.open(p, timeout(Duration.ofMillis(200), false)))
          .isInstanceOf(BoltLockedException.class);
    } finally {
      holder.descendants().forEach(ProcessHandle::destroyForcibly);
      holder.destroyForcibly().waitFor();
    }
  }

  @Test
  void ourLockIsSeenByFlockAndBySecondHandle() throws Exception {
    Path p = tmp.resolve("ours.db");
    try (BoltDB db = BoltDB.open(p)) {
      assertThat(db.isReadOnly()).isFalse();
      Process probe = new ProcessBuilder("flock", "-n", "-s", p.toString(), "true").start();
      assertThat(probe.waitFor())
          .as("flock(1) must fail while we hold the exclusive lock")
          .isNotZero();
      assertThatThrownBy(() -> BoltDB.open(p, timeout(Duration.ofMillis(100), false)))
          .isInstanceOf(BoltLockedException.class);
    }
    Process probe = new ProcessBuilder("flock", "-n", "-x", p.toString(), "true").start();
    assertThat(probe.waitFor()).isZero();
  }

  private static void waitUntilLocked(Path p) throws Exception {
    for (int i = 0; i < 100; i++) {
      Process probe = new ProcessBuilder("flock", "-n", "-s", p.toString(), "true").start();
      if (probe.waitFor() != 0) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("flock(1) never took the lock");
  }
}
