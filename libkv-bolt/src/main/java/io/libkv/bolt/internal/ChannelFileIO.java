package io.libkv.bolt.internal;

import io.libkv.bolt.BoltIOException;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;

/** {@link FileIO} over a {@link FileChannel}; reads through memory maps. */
public final class ChannelFileIO implements FileIO {
    private final Path path;
    private final FileChannel ch;

    private ChannelFileIO(Path path, FileChannel ch) {
        this.path = path;
        this.ch = ch;
    }

    /** Opens {@code path}; creates it when {@code create}. */
    public static ChannelFileIO open(Path path, boolean writable, boolean create) {
        try {
            FileChannel ch = writable
                    ? (create ? FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE,
                            StandardOpenOption.CREATE)
                            : FileChannel.open(path, StandardOpenOption.READ, StandardOpenOption.WRITE))
                    : FileChannel.open(path, StandardOpenOption.READ);
            return new ChannelFileIO(path, ch);
        } catch (IOException e) {
            throw new BoltIOException("cannot open " + path, e);
        }
    }

    @Override
    public long size() {
        try {
            return ch.size();
        } catch (IOException e) {
            throw new BoltIOException("cannot stat " + path, e);
        }
    }

    @Override
    public void read(ByteBuffer dst, long pos) {
        try {
            while (dst.hasRemaining()) {
                int n = ch.read(dst, pos);
                if (n < 0) {
                    return;
                }
                pos += n;
            }
        } catch (IOException e) {
            throw new BoltIOException("cannot read " + path, e);
        }
    }

    @Override
    public void write(ByteBuffer src, long pos) {
        try {
            while (src.hasRemaining()) {
                pos += ch.write(src, pos);
            }
        } catch (IOException e) {
            throw new BoltIOException("cannot write " + path, e);
        }
    }

    @Override
    public void write(java.util.List<ByteBuffer> srcs, long pos) {
        // only the single writer writes, so moving the channel position is safe; reads go through maps
        try {
            ByteBuffer[] arr = srcs.toArray(new ByteBuffer[0]);
            long total = 0;
            for (ByteBuffer b : arr) {
                total += b.remaining();
            }
            ch.position(pos);
            while (total > 0) {
                total -= ch.write(arr);
            }
        } catch (IOException e) {
            throw new BoltIOException("cannot write " + path, e);
        }
    }

    @Override
    public void setLength(long size) {
        try {
            if (ch.size() < size) {
                // FileChannel.truncate only shrinks; writing the last byte extends sparsely.
                ch.write(ByteBuffer.allocate(1), size - 1);
            }
        } catch (IOException e) {
            throw new BoltIOException("cannot grow " + path, e);
        }
    }

    @Override
    public void sync(boolean metadata) {
        try {
            ch.force(metadata);
        } catch (IOException e) {
            throw new BoltIOException("cannot sync " + path, e);
        }
    }

    @Override
    public ByteBuffer map(long pos, int len) {
        try {
            return ch.map(FileChannel.MapMode.READ_ONLY, pos, len);
        } catch (IOException e) {
            throw new BoltIOException("cannot map " + path, e);
        }
    }

    @Override
    public void close() {
        try {
            ch.close();
        } catch (IOException e) {
            throw new BoltIOException("cannot close " + path, e);
        }
    }
}
