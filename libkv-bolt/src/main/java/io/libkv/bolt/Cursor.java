package io.libkv.bolt;

import java.util.Optional;

/**
 * Iterates a bucket in key order. Each move returns the entry it lands on, or empty past either
 * end. Valid only while its transaction is open; writes through the bucket invalidate the position
 * (seek again).
 */
public interface Cursor {
    /** @return the first entry */
    Optional<Entry> first();

    /** @return the last entry */
    Optional<Entry> last();

    /** @return the next entry */
    Optional<Entry> next();

    /** @return the previous entry */
    Optional<Entry> prev();

    /**
     * @param key where to position
     * @return the first entry whose key is &gt;= {@code key}
     */
    Optional<Entry> seek(byte[] key);

    /**
     * Deletes the plain value under the cursor.
     *
     * @throws BoltStateException when not positioned, on a nested bucket, or read-only
     */
    void delete();
}
