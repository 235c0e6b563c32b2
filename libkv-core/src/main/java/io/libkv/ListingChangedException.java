package io.libkv;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A {@code list} could not read the directory as it was at one moment: other clients changed it
 * during every attempt, and a listing never mixes states. The store answered and nothing was
 * written; list again later (it is a {@link StoreUnavailableException}, so code that retries those
 * retries this), or list a smaller directory. {@link #endpoints()} is empty: every one answered.
 */
public class ListingChangedException extends StoreUnavailableException {
  private static final long serialVersionUID = 1L;

  /**
   * Creates the exception.
   *
   * @param message what happened
   * @param dir the canonical directory listed
   * @param store the store's redacted description, or {@code null}
   */
  public ListingChangedException(String message, String dir, @Nullable String store) {
    super(message, dir, store, List.of(), null, ErrorAnchors.of(ListingChangedException.class));
  }
}
