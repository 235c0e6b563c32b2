package io.libkv.bolt;

import java.nio.file.Path;
import java.time.Duration;

/**
 * Child process of {@link CrashTest}: commits workload transactions forever, printing "ACK n" after
 * each commit returns.
 */
public final class CrashWriterMain {
  private CrashWriterMain() {}

  /**
   * @param args the database path
   */
  public static void main(String[] args) {
    try (BoltDB db =
        BoltDB.open(
            Path.of(args[0]), BoltOptions.builder().lockTimeout(Duration.ofSeconds(20)).build())) {
      long n = db.view(CrashWorkload::applied);
      System.out.println("READY");
      System.out.flush();
      while (true) {
        long next = ++n;
        db.update(tx -> CrashWorkload.apply(tx, next));
        System.out.println("ACK " + next);
        System.out.flush();
      }
    }
  }
}
