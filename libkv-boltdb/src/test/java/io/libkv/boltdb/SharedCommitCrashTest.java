package io.libkv.boltdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.KVPair;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltOptions;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * SIGKILLs a child whose eight threads write through one store, their puts sharing commits: every
 * put acknowledged before the kill is in the file afterwards, and the file checks clean.
 */
@Tag("slow")
class SharedCommitCrashTest {
  private static final int KILLS = 12;

  @TempDir Path tmp;

  @Test
  void everyAcknowledgedPutOfASharedCommitSurvivesSigkill() throws Exception {
    Path file = tmp.resolve("crash.db");
    Random rnd = new Random(7);
    Set<String> acked = ConcurrentHashMap.newKeySet();
    long next = 0;
    for (int run = 0; run < KILLS; run++) {
      Process p = JavaChild.start(ConcurrentWriterMain.class, file.toString(), Long.toString(next));
      CountDownLatch ready = new CountDownLatch(1);
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
                      String[] f = line.split(" ");
                      acked.add("t" + f[1] + "/" + f[2]);
                    }
                  }
                } catch (java.io.IOException e) {
                  // the child died: that is the point
                }
              });
      reader.start();
      assertThat(ready.await(60, TimeUnit.SECONDS)).as("child opened the store").isTrue();
      Thread.sleep(100 + rnd.nextInt(400));
      // through the handle, so our end of the pipe keeps the ACK lines already written
      p.toHandle().destroyForcibly();
      assertThat(p.waitFor(30, TimeUnit.SECONDS)).isTrue();
      reader.join(10_000);
      try (BoltDB db = BoltDB.open(file, BoltOptions.builder().readOnly(true).build())) {
        assertThat(db.check()).as("check after kill %d", run).isEmpty();
      }
      Set<String> present = new HashSet<>();
      try (Store s = LibKV.open("boltdb:" + file)) {
        List<KVPair> all = s.list("");
        for (KVPair kv : all) {
          present.add(kv.key());
          next = Math.max(next, Long.parseLong(kv.key().substring(kv.key().indexOf('/') + 1)) + 1);
        }
      }
      Set<String> lost = new HashSet<>(acked);
      lost.removeAll(present);
      assertThat(lost).as("acknowledged puts missing after kill %d", run).isEmpty();
    }
    assertThat(acked.size()).as("the children made progress").isGreaterThan(500);
  }
}
