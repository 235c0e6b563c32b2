package io.libkv.boltdb;

import io.libkv.EventType;
import io.libkv.KVException;
import io.libkv.KVPair;
import io.libkv.KeyEvent;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.Watch;
import java.io.BufferedReader;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Optional;

/**
 * Child process of {@link BigFileMemoryTest}, run with a small heap: opens a store on a big file,
 * reads one key, watches another and waits for a change of it (written by the parent in shared
 * mode, by itself in exclusive mode), then closes. Prints what it did and measured, one line each
 * (the heap's peak is in the GC log).
 */
public final class BigFileMain {
  private BigFileMain() {}

  /**
   * @param args the store URI, the key to read, its expected value length, the key to watch, and
   *     "self" (write the watched key here) or "parent" (wait for the parent to, after "READY"); or
   *     "compact", the file and the compacted copy to write
   */
  public static void main(String[] args) throws Exception {
    if (args[0].equals("compact")) {
      io.libkv.bolt.BoltDB.compact(
          java.nio.file.Path.of(args[1]),
          java.nio.file.Path.of(args[2]),
          io.libkv.bolt.BoltOptions.defaults());
      System.out.println("CLOSED");
      return;
    }
    long t0 = System.nanoTime();
    try (Store s = LibKV.open(args[0])) {
      long openMillis = (System.nanoTime() - t0) / 1_000_000;
      System.out.println("OPEN_MS " + openMillis);
      System.out.println(
          "USED_AFTER_OPEN "
              + (Runtime.getRuntime().totalMemory() - Runtime.getRuntime().freeMemory()));
      KVPair p = s.get(args[1]);
      if (p.valueLength() != Integer.parseInt(args[2])) {
        throw new AssertionError(
            "read " + p.valueLength() + " bytes of " + args[1] + ", expected " + args[2]);
      }
      System.out.println("READ " + p.valueLength());
      try (Watch<KeyEvent> w = s.watch(args[3])) {
        KeyEvent first = w.take();
        System.out.println("WATCH " + first.type());
        if (args[4].equals("self")) {
          s.put(args[3], "changed".getBytes(StandardCharsets.UTF_8));
        } else {
          System.out.println("READY");
          System.out.flush();
          // the parent writes the key, then tells us it did
          new BufferedReader(new InputStreamReader(System.in, StandardCharsets.US_ASCII))
              .readLine();
        }
        Optional<KeyEvent> e = w.poll(Duration.ofSeconds(60));
        if (e.isEmpty() || e.get().type() != EventType.PUT) {
          throw new AssertionError(
              "no PUT event of " + args[3] + " within 60 s: " + e + ", " + w.failure());
        }
        System.out.println(
            "EVENT " + e.get().type() + " " + e.get().pair().map(KVPair::valueAsString).orElse(""));
      }
      try {
        System.out.println("LISTED " + s.list("").size()); // more than the heap holds
      } catch (KVException e) {
        System.out.println(
            "LIST "
                + e.getClass().getSimpleName()
                + " caused by "
                + (e.getCause() == null ? null : e.getCause().getClass().getSimpleName()));
      }
      System.out.println("READ AGAIN " + s.get(args[1]).valueLength());
    }
    System.out.println("CLOSED");
  }
}
