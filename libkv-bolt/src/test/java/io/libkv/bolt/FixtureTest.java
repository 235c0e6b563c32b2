package io.libkv.bolt;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.testkit.servers.GoBoltFixtures;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.util.HexFormat;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Every fixture written by Go opens read-only and reads back exactly what its manifest and dump
 * list. The fixtures are made during the run by the Go checker, so these tests need it, like
 * GoInteropTest.
 */
@EnabledIfSystemProperty(named = GoBoltFixtures.PROPERTY, matches = ".+")
class FixtureTest {
  static Stream<String> fixtures() {
    return Fixtures.names().stream();
  }

  private static BoltDB openReadOnly(Path p) {
    return BoltDB.open(p, BoltOptions.builder().readOnly(true).build());
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void dumpMatchesGoDumpAndManifest(String name) {
    Path dir = Fixtures.dir();
    String manifest = Fixtures.read(dir.resolve(name + ".json"));
    try (BoltDB db = openReadOnly(dir.resolve(name + ".db"))) {
      assertThat(db.check()).as("check of " + name).isEmpty();
      BoltDump dump = db.view(BoltDump::of);
      assertThat(dump.digest()).isEqualTo(Fixtures.string(manifest, "digest"));
      assertThat(dump.keys()).isEqualTo(Fixtures.number(manifest, "keys"));
      assertThat(dump.buckets()).isEqualTo(Fixtures.number(manifest, "buckets"));
      assertThat(dump.valueBytes()).isEqualTo(Fixtures.number(manifest, "valueBytes"));
      Path dumpFile = dir.resolve(name + ".dump");
      if (dumpFile.toFile().exists()) {
        assertThat(dump.text()).isEqualTo(Fixtures.read(dumpFile));
      }
    }
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void statsMatchManifestLayout(String name) {
    Path dir = Fixtures.dir();
    String manifest = Fixtures.read(dir.resolve(name + ".json"));
    String layout = manifest.substring(manifest.indexOf("\"layout\""));
    try (BoltDB db = openReadOnly(dir.resolve(name + ".db"))) {
      BoltStats s = db.stats();
      assertThat(s.pageSize()).isEqualTo(Fixtures.number(layout, "pageSize"));
      assertThat(s.txid()).isEqualTo(Fixtures.number(layout, "txid"));
      assertThat(s.highWater()).isEqualTo(Fixtures.number(layout, "highWaterPgid"));
      assertThat(s.branchPages()).isEqualTo(Fixtures.number(layout, "branchPages"));
      assertThat(s.leafPages()).isEqualTo(Fixtures.number(layout, "leafPages"));
      assertThat(s.overflowPages()).isEqualTo(Fixtures.number(layout, "overflowPages"));
      assertThat(s.freelistPages()).isEqualTo(Fixtures.number(layout, "freelistPages"));
      assertThat(s.freePages()).isEqualTo(Fixtures.number(layout, "freePagesFound"));
      assertThat(s.buckets()).isEqualTo(Fixtures.number(layout, "buckets"));
      assertThat(s.inlineBuckets()).isEqualTo(Fixtures.number(layout, "inlineBuckets"));
      assertThat(s.maxBucketDepth()).isEqualTo(Fixtures.number(layout, "maxBucketDepth"));
      assertThat(s.maxTreeHeight()).isEqualTo(Fixtures.number(layout, "maxTreeHeight"));
      assertThat(s.keys()).isEqualTo(Fixtures.number(layout, "keys"));
      assertThat(s.fileSize()).isEqualTo(Fixtures.number(layout, "fileSize"));
    }
  }

  @Test
  void libkvEntriesCarryGoLibkvIndexes() throws Exception {
    Path dir = Fixtures.dir();
    String manifest = Fixtures.read(dir.resolve("libkv.json"));
    Matcher m =
        Pattern.compile(
                "\\{\\s*\"key\":\\s*\"((?:[^\"\\\\]|\\\\.)*)\",\\s*\"lastIndex\":\\s*(\\d+),"
                    + "\\s*\"valueLen\":\\s*(\\d+),\\s*\"valueSha256\":\\s*\"([0-9a-f]+)\"")
            .matcher(manifest);
    int n = 0;
    try (BoltDB db = openReadOnly(dir.resolve("libkv.db"));
        Tx tx = db.beginRead()) {
      Bucket b = tx.bucket("libkv".getBytes(StandardCharsets.UTF_8)).orElseThrow();
      while (m.find()) {
        byte[] key = Fixtures.unescape(m.group(1)).getBytes(StandardCharsets.UTF_8);
        byte[] v = b.get(key).orElseThrow(() -> new AssertionError("missing " + m.group(1)));
        assertThat(ByteBuffer.wrap(v).order(ByteOrder.LITTLE_ENDIAN).getLong(0))
            .isEqualTo(Long.parseLong(m.group(2)));
        assertThat(v.length - 8).isEqualTo(Integer.parseInt(m.group(3)));
        byte[] user = java.util.Arrays.copyOfRange(v, 8, v.length);
        assertThat(HexFormat.of().formatHex(MessageDigest.getInstance("SHA-256").digest(user)))
            .isEqualTo(m.group(4));
        n++;
      }
    }
    assertThat(n).isPositive().isEqualTo(Fixtures.number(manifest, "keys"));
  }

  @ParameterizedTest
  @MethodSource("fixtures")
  void writableCopyAcceptsWritesAndStaysConsistent(String name, @TempDir Path tmp) {
    Path p = Fixtures.copyTo(name, tmp);
    String before;
    try (BoltDB db = BoltDB.open(p)) {
      before = db.view(BoltDump::of).digest();
      db.update(
          tx ->
              tx.createBucketIfAbsent("java-was-here".getBytes(StandardCharsets.UTF_8))
                  .put("k".getBytes(StandardCharsets.UTF_8), "v".getBytes(StandardCharsets.UTF_8)));
      assertThat(db.check()).isEmpty();
      db.update(tx -> tx.deleteBucket("java-was-here".getBytes(StandardCharsets.UTF_8)));
      assertThat(db.check()).isEmpty();
    }
    try (BoltDB db = openReadOnly(p)) {
      assertThat(db.check()).isEmpty();
      assertThat(db.view(BoltDump::of).digest()).isEqualTo(before);
    }
  }
}
