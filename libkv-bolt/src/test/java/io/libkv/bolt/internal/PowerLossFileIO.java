package io.libkv.bolt.internal;

import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Random;
import java.util.function.Consumer;

/**
 * A file layer that remembers what a power cut could leave behind: the bytes made durable by the
 * last sync plus any subset of the writes issued since (in any order, the last one possibly torn at
 * a 512-byte sector). It delegates to a real file so memory maps keep working.
 */
public final class PowerLossFileIO implements FileIO {
  private record Write(long pos, byte[] data) {}

  private final ChannelFileIO real;
  private byte[] durable;
  private long durableLength;
  private final List<Write> unsynced = new ArrayList<>();
  private final Consumer<PowerLossFileIO> atSync;

  /**
   * @param atSync called at every sync, before it takes effect: the moment a power cut can hit
   */
  public PowerLossFileIO(Path path, Consumer<PowerLossFileIO> atSync) {
    this.real = ChannelFileIO.open(path, true, false);
    this.durableLength = real.size();
    this.durable = new byte[(int) durableLength];
    ByteBuffer b = ByteBuffer.wrap(durable);
    real.read(b, 0);
    this.atSync = atSync;
  }

  /** Images a power cut right now could leave: none, all, and random subsets of unsynced writes. */
  public List<byte[]> crashImages(Random rnd, int randomVariants) {
    List<byte[]> out = new ArrayList<>();
    out.add(image(new boolean[unsynced.size()], -1, 0));
    boolean[] all = new boolean[unsynced.size()];
    Arrays.fill(all, true);
    out.add(image(all, -1, 0));
    for (int v = 0; v < randomVariants && !unsynced.isEmpty(); v++) {
      boolean[] pick = new boolean[unsynced.size()];
      for (int i = 0; i < pick.length; i++) {
        pick[i] = rnd.nextBoolean();
      }
      int torn = rnd.nextInt(unsynced.size());
      pick[torn] = true;
      int sectors = Math.max(1, unsynced.get(torn).data().length / 512);
      out.add(image(pick, torn, rnd.nextInt(sectors)));
    }
    return out;
  }

  /**
   * Durable bytes plus the picked writes; write {@code torn} keeps only its first {@code
   * keepSectors} sectors.
   */
  private byte[] image(boolean[] pick, int torn, int keepSectors) {
    long len = durableLength;
    for (int i = 0; i < pick.length; i++) {
      if (pick[i]) {
        Write w = unsynced.get(i);
        len =
            Math.max(
                len,
                w.pos()
                    + (i == torn
                        ? Math.min(w.data().length, keepSectors * 512L)
                        : w.data().length));
      }
    }
    byte[] img = Arrays.copyOf(durable, (int) len);
    for (int i = 0; i < pick.length; i++) {
      if (pick[i]) {
        Write w = unsynced.get(i);
        int n = i == torn ? Math.min(w.data().length, keepSectors * 512) : w.data().length;
        System.arraycopy(w.data(), 0, img, (int) w.pos(), n);
      }
    }
    return img;
  }

  public int unsyncedWrites() {
    return unsynced.size();
  }

  @Override
  public long size() {
    return real.size();
  }

  @Override
  public void read(ByteBuffer dst, long pos) {
    real.read(dst, pos);
  }

  @Override
  public void write(ByteBuffer src, long pos) {
    byte[] data = new byte[src.remaining()];
    src.duplicate().get(data);
    unsynced.add(new Write(pos, data));
    real.write(src, pos);
  }

  @Override
  public void setLength(long size) {
    real.setLength(size);
  }

  @Override
  public void sync(boolean metadata) {
    atSync.accept(this);
    real.sync(metadata);
    long len = real.size();
    if (len > durable.length) {
      durable = Arrays.copyOf(durable, (int) len);
    }
    for (Write w : unsynced) {
      System.arraycopy(w.data(), 0, durable, (int) w.pos(), w.data().length);
    }
    durableLength = len;
    unsynced.clear();
  }

  @Override
  public ByteBuffer map(long pos, int len) {
    return real.map(pos, len);
  }

  @Override
  public void close() {
    real.close();
  }
}
