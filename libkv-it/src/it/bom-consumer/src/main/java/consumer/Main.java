package consumer;

import io.libkv.KVPair;
import io.libkv.LibKV;
import io.libkv.Store;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;

/**
 * Checks what a user of libkv-bom gets: the third-party stack the project is tested with, one
 * Netty, and stores that work.
 */
public final class Main {
  public static void main(String[] args) throws IOException {
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
      problems.add("the stack differs from the tested one:\n  tested, not resolved: " + missing
          + "\n  resolved, not tested: " + extra);
    }

    putGet("memory:");
    putGet("boltdb:" + Path.of(args[2]).resolve("consumer.db").toUri().getPath());

    if (!problems.isEmpty()) {
      throw new AssertionError(String.join("\n", problems));
    }
    System.out.println("consumer: " + resolved.size() + " third-party artifacts as tested, Netty "
        + nettyVersions + ", memory: and boltdb: put/get ok");
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
