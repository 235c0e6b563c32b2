package io.libkv.bolt;

/**
 * Page and content statistics of one snapshot, as gathered by {@link Tx#stats()}.
 *
 * @param pageSize page size in bytes
 * @param highWater number of pages in use (the meta's high-water mark)
 * @param txid the snapshot's transaction id
 * @param fileSize the file's size in bytes
 * @param metaPages meta pages (always 2)
 * @param branchPages branch nodes (first pages)
 * @param leafPages leaf nodes (first pages)
 * @param overflowPages continuation pages of multi-page branch and leaf nodes
 * @param freelistPages pages holding the stored freelist (0 when not stored)
 * @param freePages pages listed free (or found free by scanning)
 * @param buckets buckets at all levels
 * @param inlineBuckets buckets stored inline in their parent's leaf
 * @param keys plain keys at all levels
 * @param valueBytes total bytes of plain values
 * @param maxBucketDepth deepest bucket nesting (1 = top-level buckets only)
 * @param maxTreeHeight tallest B+tree of any bucket (1 = a single leaf)
 */
public record BoltStats(
    int pageSize,
    long highWater,
    long txid,
    long fileSize,
    long metaPages,
    long branchPages,
    long leafPages,
    long overflowPages,
    long freelistPages,
    long freePages,
    long buckets,
    long inlineBuckets,
    long keys,
    long valueBytes,
    int maxBucketDepth,
    int maxTreeHeight) {}
