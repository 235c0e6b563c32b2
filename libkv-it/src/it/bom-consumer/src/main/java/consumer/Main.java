package consumer;

import io.libkv.KVPair;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.StoreUnavailableException;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.PrintStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks what a user of libkv-bom gets: the third-party stack the project is tested with, one
 * Netty, stores that work, and nothing on stderr from opening etcd, ZooKeeper and Redis stores (but
 * SLF4J's own notice that the application has no SLF4J provider, unless it is told to keep quiet).
 */
public final class Main {
  public static void main(String[] args) throws IOException {
    // before any library class loads: what they print goes here
    PrintStream realErr = System.err;
    ByteArrayOutputStream err = new ByteArrayOutputStream();
    System.setErr(new PrintStream(err, true, StandardCharsets.UTF_8));
    Set<String> tested = stack(Path.of(args[0]));
    Set<String> resolved = stack(Path.of(args[1]));
    List<String> problems = new ArrayList<>();

    Set<String> nettyVersions = new TreeSet<>();
    for (String a : resolved) {
      // netty-tcnative is versioned on its own
      if (a.startsWith("io.netty:") && !a.startsWith("io.netty:netty-tcnative")) {
        nettyVersions.add(a.substring(a.lastIndexOf(':') + 1));
      }
    }
    if (nettyVersions.size() != 1) {
      problems.add("Netty versions resolved: " + nettyVersions + " (want one)");
    }
    Set<String> missing = new TreeSet<>(tested);
    missing.removeAll(resolved);
    Set<String> extra = new TreeSet<>(resolved);
    extra.removeAll(tested);
    if (!missing.isEmpty() || !extra.isEmpty()) {
      problems.add(
          "the stack differs from the tested one:\n  tested, not resolved: "
              + missing
              + "\n  resolved, not tested: "
              + extra);
    }

    putGet("memory:");
    putGet("boltdb:" + Path.of(args[2]).resolve("consumer.db").toUri().getPath());
    int port = closedPort();
    unreachable("etcd://127.0.0.1:" + port + "?connectTimeout=1s&timeout=1s");
    unreachable("zk://127.0.0.1:" + port + "?connectTimeout=1s&timeout=1s");
    unreachable("redis://127.0.0.1:" + port + "?connectTimeout=1s&timeout=1s");

    System.setErr(realErr);
    List<String> printed = new ArrayList<>();
    int notice = 0;
    for (String line : err.toString(StandardCharsets.UTF_8).split("\\R")) {
      if (System.getProperty("slf4j.internal.verbosity") == null && slf4jNotice(line)) {
        notice++;
      } else if (!line.isEmpty()) {
        printed.add(line);
      }
    }
    if (!printed.isEmpty()) {
      problems.add("printed on stderr:\n  " + String.join("\n  ", printed));
    }

    if (!problems.isEmpty()) {
      throw new AssertionError(String.join("\n", problems));
    }
    System.out.println(
        "consumer: "
            + resolved.size()
            + " third-party artifacts as tested, Netty "
            + nettyVersions
            + ", memory: and boltdb: put/get ok, stderr quiet"
            + (notice > 0
                ? " but for SLF4J's " + notice + "-line notice that there is no provider"
                : ""));
  }

  private static void putGet(String uri) {
    byte[] value = "blue".getBytes(StandardCharsets.UTF_8);
    try (Store store = LibKV.open(uri)) {
      store.put("config/colour", value);
      KVPair got = store.get("config/colour");
      if (!new String(got.value(), StandardCharsets.UTF_8).equals("blue")) {
        throw new AssertionError(uri + ": read back " + got);
      }
    }
  }

  /**
   * Opens a store nobody serves: the client libraries load, connect, fail, and should say nothing.
   */
  private static void unreachable(String uri) {
    try (Store store = LibKV.open(uri)) {
      store.get("k");
      throw new AssertionError(uri + ": no server, yet a read answered");
    } catch (StoreUnavailableException expected) {
      // what an unreachable store is
    }
  }

  /**
   * SLF4J's notice that no provider was found, the only thing the application itself can turn off.
   */
  private static boolean slf4jNotice(String line) {
    return line.startsWith("SLF4J(W): No SLF4J providers were found")
        || line.startsWith("SLF4J(W): Defaulting to no-operation (NOP) logger implementation")
        || line.startsWith("SLF4J(W): See https://www.slf4j.org/codes.html#noProviders");
  }

  private static int closedPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /** The artifacts a dependency:list file names, as group:artifact:type[:classifier]:version. */
  private static Set<String> stack(Path listFile) throws IOException {
    Set<String> out = new TreeSet<>();
    for (String line : Files.readAllLines(listFile, StandardCharsets.UTF_8)) {
      String a = line.strip();
      int module = a.indexOf(" -- ");
      if (module >= 0) {
        a = a.substring(0, module).strip();
      }
      if (a.chars().filter(c -> c == ':').count() >= 3 && !a.contains(" ")) {
        out.add(a);
      }
    }
    if (out.isEmpty()) {
      throw new AssertionError("no artifacts listed in " + listFile);
    }
    return out;
  }

  private Main() {}
}
