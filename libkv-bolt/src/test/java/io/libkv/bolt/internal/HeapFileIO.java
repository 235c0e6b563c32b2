package io.libkv.bolt.internal;

import java.nio.ByteBuffer;

/** A read-only in-memory file, so fuzzing needs no file system round trip per mutation. */
public final class HeapFileIO implements FileIO {
  private final byte[] data;

  public HeapFileIO(byte[] data) {
    this.data = data;
  }

  @Override
  public long size() {
    return data.length;
  }

  @Override
  public void read(ByteBuffer dst, long pos) {
    if (pos < data.length) {
      dst.put(data, (int) pos, (int) Math.min(dst.remaining(), data.length - pos));
    }
  }

  @Override
  public void write(ByteBuffer src, long pos) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public void setLength(long size) {
    throw new UnsupportedOperationException("read-only");
  }

  @Override
  public void sync(boolean metadata) {
    // nothing to make durable
  }

  @Override
  public ByteBuffer map(long pos, int len) {
    return ByteBuffer.wrap(data, (int) pos, len).slice().asReadOnlyBuffer();
  }

  @Override
  public void close() {
    // nothing to release
  }
}
