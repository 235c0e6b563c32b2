package io.libkv.boltdb;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.KVException;
import io.libkv.LibKV;
import io.libkv.PermissionDeniedException;
import io.libkv.Store;
import io.libkv.StoreCorruptedException;
import io.libkv.StoreLockedException;
import io.libkv.testkit.ErrorsDocCoverage;
import io.libkv.testkit.ErrorsDocCoverage.Case;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * docs/errors.md walked against {@code boltdb:} in both modes: the file's own conditions
 * (corrupted, locked by another process) are provoked on real files.
 */
class BoltdbErrorsDocTest {
  private static final byte[] V = "v".getBytes(StandardCharsets.UTF_8);

  @TempDir Path dir;

  @ParameterizedTest(name = "mode={0}")
  @ValueSource(strings = {"exclusive", "shared"})
  void everyDocumentedConditionIsRaisedAsDocumentedOrCannotArise(String mode) throws Exception {
    boolean shared = mode.equals("shared");
    String uri = "boltdb:" + dir.resolve("walk.db") + "?mode=" + mode + "&maxValueBytes=16";
    try (Store s = LibKV.open(uri)) {
      Map<String, Case> cases = ErrorsDocCoverage.common(s, uri);
      Path notADir = Files.write(dir.resolve("plain-file"), V);
      Path under = notADir.resolve("x.db");
      cases.put(
          "kv-exception",
          Case.provoked(
              KVException.class,
              null,
              described(under, shared),
              () -> LibKV.open("boltdb:" + under + "?mode=" + mode).close()));
      cases.put(
          "call-not-supported",
          Case.cannotArise(
              "boltdb: supports every call (both TTL meanings, locks, " + "watches, batches)"));
      cases.put(
          "cannot-lock",
          Case.cannotArise(
              "boltdb: a lock waits for a live holder's record "
                  + "or its deadline, and for a value at its key to be deleted; nothing refuses one outright"));
      cases.put(
          "listing-changed", Case.cannotArise("boltdb: a list is read in one read transaction"));
      cases.put(
          "store-unavailable",
          Case.notProvokedHere(
              "boltdb: a file needs no connection; only a frozen "
                  + "process's renewals time out, completing lost() with it (simulateCutOff, StoreCompatibilityKit)"));
      cases.put(
          "unknown-outcome",
          Case.cannotArise(
              "boltdb: a write commits in the call or is rolled back; "
                  + "nothing is in flight to a server"));
      // no credentials, but a store opened read-only refuses every write
      String readOnly = "boltdb:" + dir.resolve("walk.db") + "?mode=" + mode + "&readOnly=true";
      cases.put(
          "permission-denied",
          Case.provoked(
              PermissionDeniedException.class,
              "k",
              described(dir.resolve("walk.db"), shared) + (shared ? "&" : "?") + "readOnly=true",
              () -> {
                try (Store ro = LibKV.open(readOnly)) {
                  ro.put("k", V);
                }
              }));
      cases.put("store-corrupted", shared ? corruptedPageRead() : corruptedMetasAtOpen());
      cases.put("store-locked", shared ? lockedDuringACall() : lockedAtOpen());
      ErrorsDocCoverage.check(cases);
    }
  }

  /** The description a store on {@code file} has (and a failure to open one names). */
  private static String described(Path file, boolean shared) {
    return "boltdb:" + file.toAbsolutePath().normalize() + (shared ? "?mode=shared" : "");
  }

  /**
   * Exclusive mode locks the file from open to close, so only an open can wait for another process.
   */
  private Case lockedAtOpen() {
    Path held = dir.resolve("held.db");
    return Case.provoked(
        StoreLockedException.class,
        null,
        described(held, false),
        () -> whileHeld(held, () -> LibKV.open("boltdb:" + held + "?timeout=1s").close()));
  }

  /** Shared mode takes the file's lock per call: a call waits while another process holds it. */
  private Case lockedDuringACall() {
    Path held = dir.resolve("held.db");
    Store s = LibKV.open("boltdb:" + held + "?mode=shared&timeout=1s");
    return Case.provoked(
        StoreLockedException.class,
        "k",
        s.description(),
        () -> {
          try (s) {
            whileHeld(held, () -> s.get("k"));
          }
        });
  }

  /**
   * A copy of a real store file with both meta pages' checksums broken: the open fails naming them
   * (page 1 as not found: its place comes from the page size that page 0 no longer vouches for).
   */
  private Case corruptedMetasAtOpen() throws IOException {
    Path bad = realStoreFile("metas.db");
    byte[] b = Files.readAllBytes(bad);
    int ps = pageSize(b);
    b[72] ^= (byte) 0xFF;
    b[ps + 72] ^= (byte) 0xFF;
    Files.write(bad, b);
    return Case.provoked(
        StoreCorruptedException.class,
        null,
        described(bad, false),
        () ->
            untouched(
                bad,
                () -> LibKV.open("boltdb:" + bad).close(),
                "page 0: checksum mismatch",
                "no valid meta page 1"));
  }

  /**
   * A shared-mode store on a copy of a real store file whose branch and leaf pages then get an
   * unknown page type: the next read of a key fails naming the page.
   */
  private Case corruptedPageRead() throws IOException {
    Path bad = realStoreFile("pages.db");
    Store s = LibKV.open("boltdb:" + bad + "?mode=shared");
    String description = s.description();
    byte[] b = Files.readAllBytes(bad);
    int ps = pageSize(b);
    for (int p = 2; (p + 1) * ps <= b.length; p++) {
      if ((b[p * ps + 8] & 0x03) != 0) { // the branch or leaf flag
        b[p * ps + 8] = 0x40;
      }
    }
    Files.write(bad, b);
    return Case.provoked(
        StoreCorruptedException.class,
        "k",
        description,
        () ->
            untouched(
                bad,
                () -> {
                  try (s) {
                    s.get("k");
                  }
                },
                "expected a branch or leaf page, found type unknown(0x40)"));
  }

  /** A file a store wrote and closed, holding key {@code k}. */
  private Path realStoreFile(String name) throws IOException {
    Path good = dir.resolve("good-" + name);
    try (Store s = LibKV.open("boltdb:" + good)) {
      s.put("k", V);
    }
    return Files.copy(good, dir.resolve(name));
  }

  private static int pageSize(byte[] file) {
    return ByteBuffer.wrap(file).order(ByteOrder.LITTLE_ENDIAN).getInt(24);
  }

  /**
   * Runs {@code call}, which must fail naming a page and each problem, and checks it wrote nothing.
   */
  private static void untouched(Path file, ThrowingCallable call, String... problems)
      throws Throwable {
    byte[] before = Files.readAllBytes(file);
    try {
      call.call();
    } catch (StoreCorruptedException e) {
      assertThat(e.getMessage()).contains(problems).containsPattern("page \\d+");
      throw e;
    } finally {
      assertThat(Files.readAllBytes(file)).as("bytes of the damaged file").isEqualTo(before);
    }
  }

  /**
   * Runs {@code call} while another process holds {@code file}'s lock (an exclusive-mode store of
   * its own); the call must give up after its 1 s timeout, not before and not long after.
   */
  private static void whileHeld(Path file, ThrowingCallable call) throws Throwable {
    Process p = JavaChild.start(LockHolderMain.class, file.toString());
    try {
      BufferedReader r =
          new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII));
      assertThat(r.readLine()).as("the holder opened the file").isEqualTo("READY");
      long start = System.nanoTime();
      try {
        call.call();
      } finally {
        long waited = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
        assertThat(waited)
            .as("ms waited for the lock (timeout 1 s)")
            .isBetween(950L, 1000L + 5000L);
      }
    } finally {
      p.getOutputStream().close();
      if (!p.waitFor(30, TimeUnit.SECONDS)) {
        p.destroyForcibly();
      }
    }
  }
}
