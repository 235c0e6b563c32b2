package io.libkv.cli;

import static io.libkv.cli.CliTestBase.assertError;
import static io.libkv.cli.CliTestBase.assertOk;
import static io.libkv.cli.CliTestBase.utf8;
import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.testkit.servers.GoBoltFixtures;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledIfSystemProperty;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code libkv bolt ...} black-box on database files written by Go's bbolt during the run ({@link
 * GoBoltFixtures}, so those tests need the Go checker) and on a file our store wrote.
 */
class BoltToolsBlackBoxTest {
  @TempDir Path tmp;

  private CliRunner runner;

  @BeforeEach
  void setUp() {
    runner = new LauncherRunner(tmp);
  }

  private Result lib(String... args) {
    return runner.run(Map.of(), new byte[0], List.of(args));
  }

  /** Writes one Go fixture into the test's directory; its dump lies next to it. */
  private Path fixture(String name) {
    return GoBoltFixtures.write(tmp.resolve("go"), name.replace(".db", "")).resolve(name);
  }

  private Result bolt(String... args) {
    List<String> l = new ArrayList<>(List.of("bolt"));
    l.addAll(List.of(args));
    return runner.run(Map.of(), new byte[0], l);
  }

  @ParameterizedTest
  @ValueSource(strings = {"inline.db", "boltdb-v1.3.1.db", "hotcopy.db"})
  @EnabledIfSystemProperty(named = GoBoltFixtures.PROPERTY, matches = ".+")
  void checkSaysOkAndBucketsMatchTheDump(String name) throws IOException {
    Path db = fixture(name);
    Result check = bolt("check", db.toString());
    assertOk(check);
    assertThat(check.lines()).containsExactly("OK");
    Result buckets = bolt("buckets", db.toString());
    assertOk(buckets);
    // the dump's "B hexpath depth" lines, in our text-or-hex form
    List<String> expected = new ArrayList<>();
    Path dump = db.resolveSibling(name.replace(".db", ".dump"));
    for (String line : Files.readAllLines(dump)) {
      if (line.startsWith("B ")) {
        List<String> segs = new ArrayList<>();
        for (String hex : line.split(" ")[1].split("/")) {
          byte[] b = HexFormat.of().parseHex(hex);
          Optional<String> t = Values.printable(b);
          segs.add(
              t.isPresent()
                      && !t.get().isEmpty()
                      && !t.get().contains("/")
                      && !t.get().startsWith("hex:")
                  ? t.get()
                  : "hex:" + hex);
        }
        expected.add(String.join("/", segs));
      }
    }
    assertThat(buckets.lines()).containsExactlyInAnyOrderElementsOf(expected);
  }

  @Test
  @EnabledIfSystemProperty(named = GoBoltFixtures.PROPERTY, matches = ".+")
  void keysGetAndHexOnSmall() throws IOException {
    Path db = fixture("small.db");
    Result keys = bolt("keys", db.toString(), "widgets");
    assertOk(keys);
    assertThat(keys.lines()).hasSize(10).startsWith("key-00", "key-01").endsWith("key-09");
    Result get = bolt("get", db.toString(), "widgets", "key-03");
    assertOk(get);
    assertThat(get.out()).isEqualTo("value-3");
    Result hex =
        bolt(
            "get",
            db.toString(),
            "widgets",
            "hex:" + HexFormat.of().formatHex(utf8("key-03")),
            "--hex");
    assertOk(hex);
    assertThat(hex.lines()).containsExactly(HexFormat.of().formatHex(utf8("value-3")));
    assertError(bolt("get", db.toString(), "widgets", "nope"), 1, "nope");
    assertError(bolt("keys", db.toString(), "nope"), 1, "nope");
  }

  @Test
  @EnabledIfSystemProperty(named = GoBoltFixtures.PROPERTY, matches = ".+")
  void nestedAndBinaryNamesOnInline() throws IOException {
    Path db = fixture("inline.db");
    List<String> buckets = bolt("buckets", db.toString()).lines();
    assertThat(buckets).contains("hex:00ff", "deep/level-01/level-02");
    assertThat(bolt("keys", db.toString(), "deep/level-01").lines()).contains("level-02");
  }

  @Test
  @EnabledIfSystemProperty(named = GoBoltFixtures.PROPERTY, matches = ".+")
  void libkvValuesKeepTheirIndexPrefix() throws IOException {
    Path db = fixture("libkv.db");
    Result keys = bolt("keys", db.toString(), "libkv");
    assertOk(keys);
    String first = keys.lines().get(0);
    Result get = bolt("get", db.toString(), "libkv", first);
    assertOk(get);
    assertThat(get.stdout.length).isGreaterThan(8);
  }

  @Test
  @EnabledIfSystemProperty(named = GoBoltFixtures.PROPERTY, matches = ".+")
  void statsAsLinesAndJson() throws IOException {
    Path db = fixture("small.db");
    Result stats = bolt("stats", db.toString());
    assertOk(stats);
    assertThat(stats.lines())
        .contains("page size: 4096", "keys: 10", "buckets: 1", "leaf pages: 1", "free pages: 2")
        .allMatch(l -> l.matches("[a-z ]+: [0-9]+"));
    Result json = bolt("stats", db.toString(), "--json");
    assertOk(json);
    assertThat(json.lines())
        .singleElement()
        .asString()
        .startsWith("{\"pageSize\":4096,")
        .contains("\"keys\":10");
  }

  @Test
  @EnabledIfSystemProperty(named = GoBoltFixtures.PROPERTY, matches = ".+")
  void compactWritesAConsistentCopyAndReadsOnlyTheSource() throws IOException {
    Path db = fixture("pagesize-16k.db");
    byte[] before = Files.readAllBytes(db);
    Path out = tmp.resolve("compact.db");
    assertOk(bolt("compact", db.toString(), out.toString()));
    assertThat(Files.readAllBytes(db)).isEqualTo(before);
    assertThat(bolt("check", out.toString()).lines()).containsExactly("OK");
    assertThat(Files.size(out)).isLessThanOrEqualTo(Files.size(db));
    assertError(bolt("compact", db.toString(), out.toString()), 2, "exists");
  }

  @Test
  @EnabledIfSystemProperty(named = GoBoltFixtures.PROPERTY, matches = ".+")
  void missingDamagedAndNonBboltFilesFailClearly() throws IOException {
    assertError(bolt("check", tmp.resolve("missing.db").toString()), 2, "missing.db");
    Path text =
        Files.writeString(tmp.resolve("text.db"), "not a database at all, just text".repeat(200));
    assertError(bolt("check", text.toString()), 5, "text.db");
    Path empty = Files.write(tmp.resolve("empty-file.db"), new byte[0]);
    assertError(bolt("stats", empty.toString()), 5, "empty-file.db");
    // every page after the metas overwritten: the metas still point into them
    Path damaged = fixture("small.db");
    byte[] b = Files.readAllBytes(damaged);
    for (int i = 2 * 4096; i < b.length; i++) {
      b[i] = (byte) 0xA5;
    }
    Files.write(damaged, b);
    Result check = bolt("check", damaged.toString());
    assertThat(check.exitCode).as(check.toString()).isEqualTo(5);
    assertThat(check.out() + check.stderr).isNotBlank();
    assertThat(check.out()).doesNotContain("OK");
    assertError(bolt("nope", "x"), 2);
    assertError(bolt("keys", damaged.toString()), 2);
  }

  @Test
  void checkIsOkOnAFileOurStoreWrote() {
    Path db = tmp.resolve("t.db");
    String store = "boltdb:" + db;
    assertOk(lib("--store", store, "put", "a/b", "1"));
    assertOk(lib("--store", store, "put", "a/c", "2"));
    assertOk(lib("--store", store, "rm", "a/b"));
    assertThat(bolt("check", db.toString()).lines()).containsExactly("OK");
    assertThat(bolt("buckets", db.toString()).lines()).contains("libkv");
  }

  @Test
  void benchPrintsGoLinesOnStderr() {
    Result r = bolt("bench", "-count", "200", "-batch-size", "50", "-no-sync", "-no-warmup");
    assertThat(r.exitCode).as(r.toString()).isZero();
    assertThat(r.stdout).isEmpty();
    String[] lines = r.stderr.split("\n");
    assertThat(lines[0]).matches("# Write\t\\S+\t\\(\\S+/op\\)\t\\([0-9]+ op/sec\\)");
    assertThat(lines[1]).matches("# Read\t\\S+\t\\(\\S+/op\\)\t\\([0-9]+ op/sec\\)");
    assertError(bolt("bench", "-bogus", "1"), 2, "bogus");
  }
}
