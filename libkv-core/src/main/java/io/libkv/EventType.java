package io.libkv;

/** What a watch event says. */
public enum EventType {
  /** The first event of a watch: the key (or directory) as it is now. */
  CURRENT,
  /** The first event of a watch on a key (or an empty directory) that does not exist. */
  ABSENT,
  /** A key was created or changed. */
  PUT,
  /** A key was deleted (or expired). */
  DELETE,
  /**
   * The backend re-read the state; changes in between may be missing (compaction, a new session).
   */
  RESYNC,
  /**
   * The backend's history restarted: indexes before this event are not comparable with those after.
   */
  RESET
}
