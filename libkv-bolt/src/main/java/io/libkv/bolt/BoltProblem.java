package io.libkv.bolt;

import java.util.Objects;
import java.util.OptionalLong;
import org.jspecify.annotations.Nullable;

/**
 * One inconsistency found by {@link Tx#check()}: the page it concerns (when there is one) and what
 * is wrong.
 */
public final class BoltProblem {
  private final long pageId;
  private final String message;

  private BoltProblem(long pageId, String message) {
    this.pageId = pageId;
    this.message = Objects.requireNonNull(message, "message");
  }

  /**
   * @param pageId the page concerned
   * @param message what is wrong
   * @return a problem about one page
   */
  public static BoltProblem ofPage(long pageId, String message) {
    if (pageId < 0) {
      throw new IllegalArgumentException("page id must be >= 0: " + pageId);
    }
    return new BoltProblem(pageId, message);
  }

  /**
   * @param message what is wrong
   * @return a problem not tied to one page (e.g. the file size)
   */
  public static BoltProblem ofFile(String message) {
    return new BoltProblem(-1, message);
  }

  /**
   * @return the page concerned, if any
   */
  public OptionalLong pageId() {
    return pageId < 0 ? OptionalLong.empty() : OptionalLong.of(pageId);
  }

  /**
   * @return what is wrong
   */
  public String message() {
    return message;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof BoltProblem p && p.pageId == pageId && p.message.equals(message);
  }

  @Override
  public int hashCode() {
    return Long.hashCode(pageId) * 31 + message.hashCode();
  }

  /**
   * @return {@code page N: message}, or the message alone
   */
  @Override
  public String toString() {
    return pageId < 0 ? message : "page " + pageId + ": " + message;
  }
}
