package io.libkv.cli;

import com.sun.jna.Native;
import com.sun.jna.NativeLibrary;
import com.sun.jna.Platform;

/**
 * Ends the process of a finished command at once (docs/cli.md, "Startup"). The JVM's own exit first
 * waits up to 300 ms for every thread still blocked in native code, and the network clients leave
 * such threads behind a closed store: gRPC's event loops sit in {@code epoll_wait} for a second
 * after the etcd client closes its channel. libc's {@code _exit} skips that wait, and with it the
 * shutdown hooks: so only after the command closed its store and its output was flushed, and only
 * when such threads remain (a bbolt or memory command exits the usual way).
 */
final class FastExit {
  private FastExit() {}

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

  /** Direct-mapped {@code _exit(2)}. */
  private static final class LibC {
    static {
      Native.register(LibC.class, libc());
    }

    static native void _exit(int status);
  }

  /**
   * Whether threads other than this one and the JVM's own are still alive in this thread's group.
   */
  static boolean threadsLeft() {
    return Thread.currentThread().getThreadGroup().activeCount() > 1;
  }

  /**
   * Exits with {@code code}: through {@code _exit} when {@link #threadsLeft()}, else {@link
   * System#exit}.
   */
  static void exit(int code) {
    if (threadsLeft() && !Platform.isWindows()) {
      try {
        LibC._exit(code);
      } catch (UnsatisfiedLinkError | RuntimeException e) {
        // no libc binding here: the JVM's exit, only slower
      }
    }
    System.exit(code);
  }
}
