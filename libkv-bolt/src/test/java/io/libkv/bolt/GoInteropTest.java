package io.libkv.bolt;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;

/**
 * Files written by this engine pass Go's own checks (bbolt 1.3.6 and boltdb/bolt 1.3.1) and Go
 * reads back exactly our canonical dump. Needs the checker of .ci/bolt-go-check (build.sh); run
 * with {@code ./mvnw -pl libkv-bolt test -Dtest=GoInteropTest
 * -Dlibkv.go.checker=/path/to/bolt-go-check}. Skipped when the property is unset or empty; fails
 * when it names a missing binary.
 */
@Tag("go")
@EnabledIfSystemProperty(named = "libkv.go.checker", matches = ".+")
class GoInteropTest {
  @TempDir Path tmp;

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  @BeforeEach
  void checkerExists() {
    checker();
  }

  private static Path checker() {
    Path p = Path.of(System.getProperty("libkv.go.checker"));
    assertThat(p).as("Go checker binary named by libkv.go.checker").isExecutable();
    return p;
  }

  private static String run(String cmd, Path file) throws IOException, InterruptedException {
    Process p =
        new ProcessBuilder(checker().toString(), cmd, file.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertThat(p.waitFor(120, TimeUnit.SECONDS)).isTrue();
    assertThat(p.exitValue()).as("Go " + cmd + " of " + file.getFileName() + ":\n" + out).isZero();
    return out;
  }

  private void assertGoAgrees(Path file) throws Exception {
    assertThat(run("check", file)).isEqualTo("OK\n");
    String ours;
    try (BoltDB db = BoltDB.open(file, BoltOptions.builder().readOnly(true).build())) {
      assertThat(db.check()).isEmpty();
      ours = db.view(BoltDump::of).text();
    }
    assertThat(run("dump", file)).isEqualTo(ours);
  }

  private Path write(String name, BoltOptions o, Consumer<BoltDB> work) {
    Path p = tmp.resolve(name + ".db");
    try (BoltDB db = BoltDB.open(p, o)) {
      work.accept(db);
    }
    return p;
  }

  private static void mixedContent(BoltDB db) {
    Random r = new Random(5);
    db.update(
        tx -> {
          Bucket a = tx.createBucket(b("alpha"));
          for (int i = 0; i < 20000; i++) {
            a.put(b(String.format("key-%06d", i)), new byte[r.nextInt(300)]);
          }
          a.put(b("big"), new byte[3 << 20]);
          a.put(new byte[32768], b("longest key"));
          a.setSequence(-1L);
          Bucket deep = tx.createBucket(b("deep"));
          for (int i = 0; i < 30; i++) {
            deep = deep.createBucket(b("level-" + i));
            deep.put(b("v"), b("x" + i));
          }
          Bucket in = tx.createBucket(b("inline"));
          in.createBucket(b("empty"));
          in.createBucket(b("at-limit")).put(b("k"), new byte[991]);
          in.createBucket(b("over-limit")).put(b("k"), new byte[992]);
        });
    db.update(
        tx -> {
          Bucket a = tx.bucket(b("alpha")).orElseThrow();
          for (int i = 0; i < 20000; i += 3) {
            a.delete(b(String.format("key-%06d", i)));
          }
          a.put(b("big"), new byte[1 << 20]);
          tx.bucket(b("inline"))
              .orElseThrow()
              .bucket(b("over-limit"))
              .orElseThrow()
              .put(b("k"), b("shrunk"));
        });
  }

  @Test
  void mixedContentAtSeveralPageSizes() throws Exception {
    for (int ps : new int[] {4096, 16384, 1024}) {
      assertGoAgrees(
          write(
              "mixed-" + ps,
              BoltOptions.builder().pageSize(ps).build(),
              GoInteropTest::mixedContent));
    }
  }

  @Test
  void noFreelistSyncFile() throws Exception {
    assertGoAgrees(
        write(
            "nfs",
            BoltOptions.builder().noFreelistSync(true).build(),
            GoInteropTest::mixedContent));
  }

  @Test
  void freelistCountEscape() throws Exception {
    Path p =
        write(
            "escape",
            BoltOptions.builder().pageSize(1024).noSync(true).build(),
            db -> {
              db.update(tx -> tx.createBucket(b("b")).put(b("huge"), new byte[70 << 20]));
              db.update(tx -> tx.bucket(b("b")).orElseThrow().delete(b("huge")));
              db.update(tx -> tx.bucket(b("b")).orElseThrow().put(b("after"), b("x")));
              assertThat(db.stats().freePages()).isGreaterThan(65535);
            });
    assertGoAgrees(p);
  }

  @Test
  void randomWorkloadAndCompactedCopy() throws Exception {
    Path p =
        write(
            "random",
            BoltOptions.builder().noSync(true).build(),
            db -> {
              Random r = new Random(9);
              for (int t = 0; t < 60; t++) {
                db.update(
                    tx -> {
                      for (int o = 0; o < 300; o++) {
                        Bucket bk = tx.createBucketIfAbsent(b("bucket" + r.nextInt(5)));
                        String k = "k" + r.nextInt(2000);
                        if (r.nextInt(3) == 0) {
                          bk.delete(b(k));
                        } else {
                          bk.put(b(k), new byte[r.nextInt(r.nextInt(20) == 0 ? 10000 : 100)]);
                        }
                      }
                      if (r.nextInt(10) == 0) {
                        tx.deleteBucket(b("bucket" + r.nextInt(5)));
                      }
                    });
              }
            });
    assertGoAgrees(p);
    Path compact = tmp.resolve("compact.db");
    BoltDB.compact(p, compact, BoltOptions.defaults());
    assertGoAgrees(compact);
    assertThat(Files.size(compact)).isLessThanOrEqualTo(Files.size(p));
  }
}
