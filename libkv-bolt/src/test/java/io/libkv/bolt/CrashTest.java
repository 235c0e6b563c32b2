package io.libkv.bolt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * Kills a writer in a child JVM with SIGKILL at random moments; after each kill the file must check
 * clean and hold every transaction the child acknowledged.
 */
@Tag("slow")
class CrashTest {
  private static final int KILLS = 55;

  @TempDir Path tmp;

  @Test
  void sigkillAtRandomMomentsLosesNoAcknowledgedCommit() throws Exception {
    Path db = tmp.resolve("crash.db");
    Random rnd = new Random(42);
    long acked = 0;
    String java = Path.of(System.getProperty("java.home"), "bin", "java").toString();
    for (int run = 0; run < KILLS; run++) {
      Process p =
          new ProcessBuilder(
                  java,
                  "-XX:TieredStopAtLevel=1",
                  "-XX:+UseSerialGC",
                  "-XX:-UsePerfData",
                  "-Xshare:auto",
                  "-cp",
                  System.getProperty("java.class.path"),
                  CrashWriterMain.class.getName(),
                  db.toString())
              .redirectError(ProcessBuilder.Redirect.INHERIT)
              .start();
      AtomicLong lastAck = new AtomicLong();
      java.util.concurrent.CountDownLatch ready = new java.util.concurrent.CountDownLatch(1);
      Thread reader =
          new Thread(
              () -> {
                try (BufferedReader r =
                    new BufferedReader(
                        new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
                  for (String line = r.readLine(); line != null; line = r.readLine()) {
                    if (line.equals("READY")) {
                      ready.countDown();
                    } else if (line.startsWith("ACK ")) {
                      lastAck.set(Long.parseLong(line.substring(4)));
                    }
                  }
                } catch (java.io.IOException e) {
                  // the child died: that is the point
                }
              });
      reader.start();
      // some runs die during startup or open; most are killed at a random moment of the commit
      // loop (timed from READY, so a slow, loaded machine still gets commits in)
      if (rnd.nextInt(10) == 0) {
        Thread.sleep(rnd.nextInt(300));
      } else {
        assertThat(ready.await(60, TimeUnit.SECONDS)).as("child opened the database").isTrue();
        Thread.sleep(20 + rnd.nextInt(400));
      }
      // SIGKILL through the handle: Process.destroyForcibly() would also close our end of the
      // pipe and lose ACK lines already written
      p.toHandle().destroyForcibly();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      reader.join(10_000);
      acked = Math.max(acked, lastAck.get());
      if (!db.toFile().exists()) {
        assertThat(acked).isZero();
        continue;
      }
      try (BoltDB d = BoltDB.open(db, BoltOptions.builder().readOnly(true).build());
          Tx tx = d.beginRead()) {
        assertThat(tx.check()).as("check after kill " + run).isEmpty();
        long applied = CrashWorkload.applied(tx);
        assertThat(applied)
            .as("acknowledged commits survive (run " + run + ")")
            .isGreaterThanOrEqualTo(acked);
        assertThat(applied).isLessThanOrEqualTo(acked + 1);
        assertThat(CrashWorkload.verify(tx, applied)).isEmpty();
        acked = applied;
      } catch (BoltCorruptionException e) {
        // only acceptable before the file was ever initialised
        assertThat(acked).as("corrupt after acknowledged commits: " + e.getMessage()).isZero();
      }
    }
    assertThat(acked).as("the children made progress").isGreaterThan(100);
  }
}
