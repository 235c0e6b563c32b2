package io.libkv.boltdb;

import io.libkv.LibKV;
import io.libkv.Store;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;

/**
 * Child process of {@link SharedCommitCrashTest}: eight threads put keys {@code tT/N} through one
 * exclusive-mode store (so their writes share commits), each printing "ACK T N" once its put
 * returned.
 */
public final class ConcurrentWriterMain {
  private ConcurrentWriterMain() {}

  /**
   * @param args the file's path and the first N to write (one more than the last run's highest)
   */
  public static void main(String[] args) throws Exception {
    PrintStream out =
        new PrintStream(
            new java.io.FileOutputStream(java.io.FileDescriptor.out),
            false,
            StandardCharsets.US_ASCII);
    long first = Long.parseLong(args[1]);
    Store s = LibKV.open("boltdb:" + args[0]);
    out.println("READY");
    out.flush();
    for (int t = 0; t < 8; t++) {
      int thread = t;
      Thread w =
          new Thread(
              () -> {
                for (long n = first; ; n++) {
                  s.put("t" + thread + "/" + n, ("v" + n).getBytes(StandardCharsets.UTF_8));
                  synchronized (out) {
                    out.println("ACK " + thread + " " + n);
                    out.flush();
                  }
                }
              });
      w.start();
    }
    Thread.sleep(Long.MAX_VALUE);
  }
}
