package io.libkv.bolt.internal;

import com.sun.jna.LastErrorException;
import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;
import io.libkv.bolt.BoltException;
import io.libkv.bolt.BoltLockedException;
import java.nio.file.Path;
import java.time.Duration;

/**
 * The whole-file advisory lock Go's bbolt takes: {@code flock(2)}, exclusive for writers and shared
 * for read-only opens (docs/bbolt-format.md, "Locking"). Java's FileChannel locks are POSIX record
 * locks that flock does not see, so we call flock through JNA on a descriptor of our own.
 */
public final class FileLock implements AutoCloseable {
  private static final int LOCK_SH = 1;
  private static final int LOCK_EX = 2;
  private static final int LOCK_NB = 4;
  private static final long RETRY_MILLIS = 50;

  private int fd;

  private FileLock(int fd) {
    this.fd = fd;
  }

  /**
   * libc, by glibc's file name where that loads: JNA resolves the bare name by running {@code
   * ldconfig -p}, a process on every start. Elsewhere (musl, other systems) JNA's own lookup.
   */
  static NativeLibrary libc() {
    if (Platform.isLinux()) {
      try {
        return NativeLibrary.getInstance("libc.so.6");
      } catch (UnsatisfiedLinkError e) {
        // not glibc: fall through to the lookup by name
      }
    }
    return NativeLibrary.getInstance(Platform.C_LIBRARY_NAME);
  }

  /** Direct-mapped libc calls; errno arrives as {@link LastErrorException}. */
  private static final class LibC {
    static {
      Native.register(LibC.class, libc());
    }

    static native int open(String path, int flags) throws LastErrorException;

    static native int flock(int fd, int operation) throws LastErrorException;

    static native int close(int fd) throws LastErrorException;

    static native int getpagesize();
  }

  /** The operating system's page size (the default for new files), 4096 if it cannot be asked. */
  public static int osPageSize() {
    try {
      int ps = LibC.getpagesize();
      return ps >= 1024 && Integer.bitCount(ps) == 1 ? ps : 4096;
    } catch (UnsatisfiedLinkError | RuntimeException e) {
      return 4096;
    }
  }

  /**
   * Takes the lock, retrying every 50 ms until {@code timeout}.
   *
   * @throws BoltLockedException when it is still held by someone else after the timeout
   */
  public static FileLock acquire(Path path, boolean exclusive, Duration timeout) {
    if (Platform.isWindows()) {
      throw new BoltException("file locking on Windows is not supported yet: " + path);
    }
    int cloexec = Platform.isMac() ? 0x1000000 : 0x80000;
    int fd;
    try {
      fd = LibC.open(path.toString(), cloexec);
    } catch (LastErrorException e) {
      throw new BoltException("cannot open " + path + " to lock it: errno " + e.getErrorCode());
    }
    long deadline = System.nanoTime() + timeout.toNanos();
    int op = (exclusive ? LOCK_EX : LOCK_SH) | LOCK_NB;
    while (true) {
      try {
        LibC.flock(fd, op);
        return new FileLock(fd);
      } catch (LastErrorException e) {
        int errno = e.getErrorCode();
        boolean busy = errno == 11 || errno == 35; // EWOULDBLOCK on Linux, macOS
        if (!busy) {
          closeQuietly(fd);
          throw new BoltException("cannot lock " + path + ": flock errno " + errno);
        }
      }
      long left = deadline - System.nanoTime();
      if (left <= 0) {
        closeQuietly(fd);
        throw new BoltLockedException(
            path
                + " is locked by another process ("
                + (exclusive ? "exclusive" : "shared")
                + " flock not granted within "
                + timeout.toMillis()
                + "ms)");
      }
      try {
        Thread.sleep(Math.min(RETRY_MILLIS, Math.max(1, left / 1_000_000)));
      } catch (InterruptedException ie) {
        Thread.currentThread().interrupt();
        closeQuietly(fd);
        throw new BoltException("interrupted while waiting for the lock on " + path);
      }
    }
  }

  private static void closeQuietly(int fd) {
    try {
      LibC.close(fd);
    } catch (LastErrorException ignored) {
      // nothing to do: the descriptor is gone either way
    }
  }

  /** Releases the lock (closing our descriptor drops it). */
  @Override
  public synchronized void close() {
    if (fd >= 0) {
      closeQuietly(fd);
      fd = -1;
    }
  }
}
