package io.libkv.boltdb;

import io.libkv.LibKV;
import io.libkv.Store;

/**
 * Child process of {@link BoltdbErrorsDocTest}: holds a bbolt file's lock through an exclusive-mode
 * store, prints "READY", and lets go when its standard input closes (or it is destroyed).
 */
public final class LockHolderMain {
  private LockHolderMain() {}

  /**
   * @param args the file's path
   */
  public static void main(String[] args) throws Exception {
    Store s = LibKV.open("boltdb:" + args[0]);
    try {
      System.out.println("READY");
      System.out.flush();
      while (System.in.read() >= 0) {
        // wait for the parent to close our input
      }
    } finally {
      s.close();
    }
  }
}
