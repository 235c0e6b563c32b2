package io.libkv.cli;

import io.libkv.BackendNotSupportedException;
import io.libkv.CallNotSupportedException;
import io.libkv.CannotLockException;
import io.libkv.ConfigurationException;
import io.libkv.InvalidKeyException;
import io.libkv.KeyExistsException;
import io.libkv.KeyModifiedException;
import io.libkv.KeyNotFoundException;
import io.libkv.LockLostException;
import io.libkv.PreviousNotSpecifiedException;
import io.libkv.StoreUnavailableException;
import io.libkv.TransactionTooLargeException;
import io.libkv.TtlTooShortException;
import io.libkv.UnknownOutcomeException;
import io.libkv.ValueTooLargeException;
import picocli.CommandLine;

/**
 * The exit codes of {@code docs/cli.md} and the one mapping from failures to them. When several
 * apply the most specific wins, so subtypes are tested before their supertypes.
 */
final class ExitCodes {
  /** Done; condition true. */
  static final int OK = 0;

  /** Not found, condition false, CAS conflict, lock wait timed out. */
  static final int FALSE = 1;

  /** Usage error or invalid input. */
  static final int USAGE = 2;

  /** Store unavailable or timed out; a watch ended by a store error. */
  static final int UNAVAILABLE = 3;

  /** Not supported by this backend. */
  static final int UNSUPPORTED = 4;

  /** Any other error. */
  static final int OTHER = 5;

  private ExitCodes() {}

  /** The exit code for a failure. */
  static int of(Throwable t) {
    if (t instanceof CliException) {
      return ((CliException) t).exitCode();
    }
    if (t instanceof CommandLine.ParameterException) {
      return USAGE;
    }
    // an unknown outcome is also a failed connection, but the more specific 5 wins
    if (t instanceof UnknownOutcomeException) {
      return OTHER;
    }
    // a lost lock is not a failed wait: the same 5 as a lock lost while CMD runs
    if (t instanceof LockLostException) {
      return OTHER;
    }
    if (t instanceof KeyNotFoundException
        || t instanceof KeyExistsException
        || t instanceof KeyModifiedException
        || t instanceof CannotLockException) {
      return FALSE;
    }
    // a value or transaction over the backend's limit is invalid input: nothing was written
    if (t instanceof InvalidKeyException
        || t instanceof ConfigurationException
        || t instanceof BackendNotSupportedException
        || t instanceof TtlTooShortException
        || t instanceof ValueTooLargeException
        || t instanceof TransactionTooLargeException
        || t instanceof PreviousNotSpecifiedException) {
      return USAGE;
    }
    if (t instanceof CallNotSupportedException) {
      return UNSUPPORTED;
    }
    if (t instanceof StoreUnavailableException) {
      return UNAVAILABLE;
    }
    if (t instanceof IllegalArgumentException) {
      return USAGE;
    }
    return OTHER;
  }

  /** The one-line message for a failure, without the {@code libkv: } prefix. */
  static String message(Throwable t) {
    String m = t.getMessage();
    if (m == null || m.isBlank()) {
      m = t.getClass().getSimpleName();
    }
    return oneLine(m);
  }

  /** Text as one line, whatever it held. */
  static String oneLine(String s) {
    return s.replaceAll("\\s*[\\r\\n]+\\s*", " ").trim();
  }
}
