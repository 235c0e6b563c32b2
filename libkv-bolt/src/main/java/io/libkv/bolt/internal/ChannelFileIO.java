package io.libkv.bolt.internal;

import io.libkv.bolt.BoltIOException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedByInterruptException;
import java.nio.channels.FileChannel;
import java.nio.file.OpenOption;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * {@link FileIO} over a {@link FileChannel}; reads through memory maps.
 *
 * <p>A {@code FileChannel} closes itself when a thread using it is interrupted, which would break
 * the database for every other thread. So an operation cut short that way reopens the channel, runs
 * again (positional writes and reads are idempotent) and leaves the thread's interrupt flag set for
 * the caller to see. The file lock lives on its own descriptor and is not affected.
 */
public final class ChannelFileIO implements FileIO {
  private final Path path;
  private final OpenOption[] reopen;
  private volatile FileChannel ch;
  private volatile boolean closed;

  private ChannelFileIO(Path path, FileChannel ch, OpenOption[] reopen) {
    this.path = path;
    this.ch = ch;
    this.reopen = reopen;
  }

  /** Opens {@code path}; creates it when {@code create}. */
  public static ChannelFileIO open(Path path, boolean writable, boolean create) {
    OpenOption[] opts =
        writable
            ? (create
                ? new OpenOption[] {
                  StandardOpenOption.READ, StandardOpenOption.WRITE, StandardOpenOption.CREATE
                }
                : new OpenOption[] {StandardOpenOption.READ, StandardOpenOption.WRITE})
            : new OpenOption[] {StandardOpenOption.READ};
    try {
      return new ChannelFileIO(
          path,
          FileChannel.open(path, opts),
          new OpenOption[] {opts[0], opts.length > 1 ? opts[1] : StandardOpenOption.READ});
    } catch (IOException e) {
      throw new BoltIOException("cannot open " + path, e);
    }
  }

  /** One channel operation. */
  @FunctionalInterface
  private interface Op<T> {
    @Nullable T run(FileChannel c) throws IOException;
  }

  private <T> @Nullable T io(String what, Op<T> op) {
    boolean interrupted = false;
    try {
      while (true) {
        FileChannel c = ch;
        try {
          return op.run(c);
        } catch (ClosedByInterruptException e) {
          interrupted = true;
          Thread.interrupted();
          reopen(c);
        } catch (java.nio.channels.ClosedChannelException e) {
          if (closed) {
            throw new BoltIOException("cannot " + what + " " + path + ": closed", e);
          }
          // another thread's interrupt closed it under us
          reopen(c);
        }
      }
    } catch (IOException e) {
      throw new BoltIOException("cannot " + what + " " + path, e);
    } finally {
      if (interrupted) {
        Thread.currentThread().interrupt();
      }
    }
  }

  private synchronized void reopen(FileChannel broken) throws IOException {
    if (ch == broken && !closed) {
      ch = FileChannel.open(path, reopen);
    }
  }

  @Override
  public long size() {
    return Objects.requireNonNull(io("stat", FileChannel::size));
  }

  @Override
  public void read(ByteBuffer dst, long pos) {
    int start = dst.position();
    io(
        "read",
        c -> {
          dst.position(start);
          long p = pos;
          while (dst.hasRemaining()) {
            int n = c.read(dst, p);
            if (n < 0) {
              return null;
            }
            p += n;
          }
          return null;
        });
  }

  @Override
  public void write(ByteBuffer src, long pos) {
    int start = src.position();
    io(
        "write",
        c -> {
          src.position(start);
          long p = pos;
          while (src.hasRemaining()) {
            p += c.write(src, p);
          }
          return null;
        });
  }

  @Override
  public void write(java.util.List<ByteBuffer> srcs, long pos) {
    // only the single writer writes, so moving the channel position is safe; reads go through maps
    ByteBuffer[] arr = srcs.toArray(new ByteBuffer[0]);
    int[] starts = new int[arr.length];
    for (int i = 0; i < arr.length; i++) {
      starts[i] = arr[i].position();
    }
    io(
        "write",
        c -> {
          long total = 0;
          for (int i = 0; i < arr.length; i++) {
            arr[i].position(starts[i]);
            total += arr[i].remaining();
          }
          c.position(pos);
          while (total > 0) {
            total -= c.write(arr);
          }
          return null;
        });
  }

  @Override
  public void setLength(long size) {
    io(
        "grow",
        c -> {
          if (c.size() < size) {
            // FileChannel.truncate only shrinks; writing the last byte extends sparsely.
            c.write(ByteBuffer.allocate(1), size - 1);
          }
          return null;
        });
  }

  @Override
  public void sync(boolean metadata) {
    io(
        "sync",
        c -> {
          c.force(metadata);
          return null;
        });
  }

  @Override
  public ByteBuffer map(long pos, int len) {
    return Objects.requireNonNull(io("map", c -> c.map(FileChannel.MapMode.READ_ONLY, pos, len)));
  }

  @Override
  public void close() {
    closed = true;
    try {
      ch.close();
    } catch (IOException e) {
      throw new BoltIOException("cannot close " + path, e);
    }
  }
}
