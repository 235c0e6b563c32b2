package io.libkv.boltdb;

import io.libkv.KVPair;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import java.nio.charset.StandardCharsets;

/**
 * Child process of {@link BoltdbTransactionTest}, another process on a shared-mode file: {@code
 * commit FILE} commits one transaction putting {@code w/a} and {@code w/b} and deleting {@code
 * w/old}; {@code transfer FILE N} moves one unit from {@code c/b} to {@code c/a} N times and prints
 * how many commits failed on a condition.
 */
public final class TransactionWriterMain {
  private TransactionWriterMain() {}

  /**
   * @param args the command, the file's path, and for {@code transfer} the count
   */
  public static void main(String[] args) {
    try (Store s = LibKV.open("boltdb:" + args[1] + "?mode=shared")) {
      if (args[0].equals("commit")) {
        TransactionResult r =
            s.commit(
                Transaction.builder()
                    .put("w/a", "1".getBytes(StandardCharsets.UTF_8))
                    .put("w/b", "2".getBytes(StandardCharsets.UTF_8))
                    .delete("w/old")
                    .build());
        System.out.println(r);
      } else {
        System.out.println("READY");
        System.out.flush();
        System.out.println(transfer(s, Integer.parseInt(args[2]), "c/b", "c/a"));
      }
    }
  }

  /**
   * Moves one unit from {@code from} to {@code to} {@code n} times, each a transaction on both
   * keys' indexes, retried from the current pairs a failure returns; returns the failures.
   */
  static int transfer(Store s, int n, String from, String to) {
    int failures = 0;
    KVPair f = s.get(from);
    KVPair t = s.get(to);
    for (int done = 0; done < n; ) {
      if (failures > 100 * n) {
        throw new IllegalStateException("no progress: " + failures + " failed commits");
      }
      TransactionResult r =
          s.commit(
              Transaction.builder()
                  .ifIndex(f)
                  .ifIndex(t)
                  .put(from, bytes(Long.parseLong(f.valueAsString()) - 1))
                  .put(to, bytes(Long.parseLong(t.valueAsString()) + 1))
                  .build());
      if (r.committed()) {
        done++;
        f = s.get(from);
        t = s.get(to);
      } else {
        failures++;
        f = r.current(from).orElseThrow();
        t = r.current(to).orElseThrow();
      }
    }
    return failures;
  }

  private static byte[] bytes(long v) {
    return Long.toString(v).getBytes(StandardCharsets.UTF_8);
  }
}
