package io.libkv.bolt.internal;

import java.io.Closeable;
import java.nio.ByteBuffer;

/**
 * The engine's only access to the file, so tests can substitute a layer that loses unsynced writes
 * (power-loss simulation). Errors are {@link io.libkv.bolt.BoltIOException}s.
 */
public interface FileIO extends Closeable {
  /**
   * @return the current length in bytes
   */
  long size();

  /** Reads {@code dst.remaining()} bytes at {@code pos}, fewer only at end of file. */
  void read(ByteBuffer dst, long pos);

  /** Writes all of {@code src} at {@code pos}. */
  void write(ByteBuffer src, long pos);

  /** Writes the buffers back to back from {@code pos} (one gathering write where the layer can). */
  default void write(java.util.List<ByteBuffer> srcs, long pos) {
    for (ByteBuffer b : srcs) {
      int n = b.remaining();
      write(b, pos);
      pos += n;
    }
  }

  /** Sets the length (only ever grows the file). */
  void setLength(long size);

  /**
   * Makes written data durable ({@code fdatasync}); {@code metadata} also the length ({@code
   * fsync}).
   */
  void sync(boolean metadata);

  /**
   * A read-only view of {@code [pos, pos + len)}, which must lie inside the file; sees later
   * writes.
   */
  ByteBuffer map(long pos, int len);

  @Override
  void close();
}
