package io.libkv;

import org.jspecify.annotations.Nullable;

/**
 * A transaction is over one of the backend's {@link Capabilities#transactionLimits() limits};
 * nothing was sent and nothing applied.
 */
public class TransactionTooLargeException extends KVException {
  private static final long serialVersionUID = 1L;

  private final String limitName;
  private final long size;
  private final long limit;

  /**
   * Creates the exception.
   *
   * @param limitName which limit, e.g. {@code "operations"}, {@code "conditions"}, {@code "bytes"}
   * @param size the transaction's size in that measure
   * @param limit the backend's limit in that measure
   * @param store the store's redacted description
   */
  public TransactionTooLargeException(
      String limitName, long size, long limit, @Nullable String store) {
    super(
        "transaction has "
            + size
            + " "
            + limitName
            + ", over this backend's limit of "
            + limit
            + " "
            + limitName,
        null,
        store,
        null,
        ErrorAnchors.of(TransactionTooLargeException.class));
    this.limitName = limitName;
    this.size = size;
    this.limit = limit;
  }

  /**
   * Which limit was passed: {@code operations}, {@code conditions}, {@code steps} or {@code bytes}.
   */
  public String limitName() {
    return limitName;
  }

  /** The transaction's size in that measure. */
  public long size() {
    return size;
  }

  /** The backend's limit in that measure. */
  public long limit() {
    return limit;
  }
}
