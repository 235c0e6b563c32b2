package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.cli.CliRunner.Result;
import io.libkv.cli.CliRunner.Running;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * docs/cli.md, "Startup", black-box: the launcher's class-data sharing archive is made on the first
 * run, mapped by the next ones, and made anew when damaged, a command's output and exit code being
 * the same either way.
 */
class StartupBlackBoxTest extends BoltdbBlackBoxTestBase {
  private static Path archive() {
    return Path.of(System.getProperty("libkv.repo.root"))
        .resolve("libkv-cli")
        .resolve("target")
        .resolve("libkv-cli.jsa");
  }

  private static void deleteArchive() throws IOException {
    Files.deleteIfExists(archive());
    Files.deleteIfExists(archive().resolveSibling("libkv-cli.jsa.ok"));
  }

  /**
   * Runs {@code get k}, which must print {@code v} and nothing else; returns the JVM's
   * class-loading log, a line per class, e.g. {@code "[0.1s][info][class,load] io.libkv.cli.Cli
   * source: shared objects file (top)"}.
   */
  private List<String> getAndClassesLoaded() throws IOException {
    Path log = tmp.resolve("classes-" + System.nanoTime() + ".log");
    Result r =
        runner.run(
            Map.of("LIBKV_JAVA_OPTS", "-Xlog:class+load=info:file=" + log),
            new byte[0],
            List.of("--store", store, "get", "k"));
    assertOk(r);
    assertThat(r.out()).isEqualTo("v");
    return Files.readAllLines(log);
  }

  /** The index of the first line containing {@code text}, or -1. */
  private static int indexOf(List<String> lines, String text) {
    for (int i = 0; i < lines.size(); i++) {
      if (lines.get(i).contains(text)) {
        return i;
      }
    }
    return -1;
  }

  /** Runs {@code get k}; returns where the JVM took the CLI's classes from. */
  private String getAndClassSource() throws IOException {
    return getAndClassesLoaded().stream()
        .filter(l -> l.contains(" io.libkv.cli.Cli source: "))
        .findFirst()
        .orElseThrow(() -> new AssertionError("io.libkv.cli.Cli is not in the class-loading log"));
  }

  @Test
  void archiveIsMadeOnTheFirstRunAndMappedByTheNext() throws Exception {
    assertOk(lib("put", "k", "v"));
    deleteArchive();
    // the run that makes the archive prints only its own output
    Result first = lib("get", "k");
    assertOk(first);
    assertThat(first.out()).isEqualTo("v");
    assertThat(archive()).isRegularFile();
    assertThat(getAndClassSource()).contains("shared objects file");
  }

  @Test
  void aDamagedArchiveIsMadeAnewAndTheCommandStillWorks() throws Exception {
    assertOk(lib("put", "k", "v"));
    assertThat(getAndClassSource()).contains("shared objects file");
    byte[] good = Files.readAllBytes(archive());
    byte[] garbage = new byte[64 * 1024];
    new Random(42).nextBytes(garbage);
    // a truncated archive crashes a JVM that maps it (SIGBUS), -Xshare:auto or not
    for (byte[] damaged : List.of(garbage, Arrays.copyOf(good, good.length / 3), new byte[0])) {
      Files.write(archive(), damaged);
      assertThat(getAndClassSource())
          .as("after writing %d bytes over the archive", damaged.length)
          .contains("shared objects file");
    }
  }

  @Test
  void aWarmBboltGetReadsNoCliOrPicocliClassFromAJarAndStartsLoggingLate() throws Exception {
    assertOk(lib("put", "k", "v"));
    assertOk(lib("get", "k")); // the archive exists from here on
    // picocli's classes (class-file version 49) were parsed and verified from its jar on every
    // start
    List<String> loaded = getAndClassesLoaded();
    assertThat(loaded)
        .as("classes of the CLI and of picocli loaded from a jar instead of the archive")
        .noneMatch(
            l -> l.matches(".* (io\\.libkv\\.cli|picocli)\\.[\\w.$]+ source: (file|jar):.*"));
    // method-handle classes spun at run time, which no Java 17 archive keeps: each first use of an
    // invokedynamic string concatenation made some (22 for a bbolt get before main code was
    // compiled with -XDstringConcat=inline)
    assertThat(loaded.stream().filter(l -> l.endsWith("source: __JVM_LookupDefineClass__")))
        .as("classes spun at run time by method handles")
        .hasSizeLessThanOrEqualTo(4);
    // java.util.logging's start looks for a logging backend in every jar of the class path: started
    // eagerly by the CLI, it opened them all before anything else needed them; now it starts when
    // a library first logs (JNA does), after the lookup of store providers opened them anyway
    int provider = indexOf(loaded, " io.libkv.boltdb.internal.BoltdbStoreProvider ");
    int backendSearch = indexOf(loaded, " jdk.internal.logger.BootstrapLogger$DetectBackend ");
    assertThat(provider).as("the bbolt provider in the class-loading log").isNotNegative();
    if (backendSearch >= 0) {
      assertThat(backendSearch)
          .as("the JDK's search for a logging backend, before the store providers' lookup")
          .isGreaterThan(provider);
    }
  }

  /**
   * Runs {@code get k} on the bbolt store, which must print {@code v}; returns the classes it
   * initialised, each line e.g. {@code "[0.3s][info][class,init] 1436 Initializing
   * 'io/netty/util/Recycler' (0x...)"}, and checks the bbolt engine is among them.
   */
  private List<String> classesInitialisedByABboltGet() throws IOException {
    assertOk(lib("put", "k", "v"));
    Path log = tmp.resolve("init-" + System.nanoTime() + ".log");
    Result r =
        runner.run(
            Map.of("LIBKV_JAVA_OPTS", "-Xlog:class+init=info:file=" + log),
            new byte[0],
            List.of("--store", store, "get", "k"));
    assertOk(r);
    assertThat(r.out()).isEqualTo("v");
    List<String> initialised =
        Files.readAllLines(log).stream().filter(l -> l.contains(" Initializing '")).toList();
    assertThat(initialised).as("classes initialised").anyMatch(l -> l.contains("'io/libkv/bolt/"));
    return initialised;
  }

  @Test
  void aBboltCommandInitialisesNoNetworkClient() throws Exception {
    assertThat(classesInitialisedByABboltGet())
        .as("network clients' classes initialised by a bbolt command")
        .noneMatch(
            l ->
                l.matches(
                    ".*'(io/netty|io/grpc|io/etcd|io/vertx|org/apache/curator|org/apache/zookeeper"
                        + "|java/net/http)/.*"));
  }

  @Test
  void aBboltCommandStartsNoProcess() throws Exception {
    // binding libc by a bare name made JNA run `ldconfig -p` on every start (a fork and exec)
    assertThat(classesInitialisedByABboltGet())
        .as("classes initialised by a bbolt get")
        .noneMatch(l -> l.matches(".*Initializing 'java/lang/(ProcessImpl|ProcessBuilder)'.*"));
  }

  @Test
  void concurrentFirstRunsAllWorkAndLeaveOneGoodArchive() throws Exception {
    assertOk(lib("put", "k", "v"));
    deleteArchive();
    List<Running> runs = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      runs.add(start("get", "k"));
    }
    for (Running r : runs) {
      Result done = r.await(WAIT.multipliedBy(4));
      assertOk(done);
      assertThat(done.out()).isEqualTo("v");
    }
    assertThat(getAndClassSource()).contains("shared objects file");
    try (var left = Files.list(archive().getParent())) {
      assertThat(left.map(p -> p.getFileName().toString())).noneMatch(n -> n.endsWith(".tmp"));
    }
  }
}
