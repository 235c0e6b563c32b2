package io.libkv.faults;

/** What a {@link FaultInjectingStore} did to a call, as its {@link Call} record says. */
public enum FaultKind {
  /** The call waited for a {@link FaultInjectingStore#delay delay} before going on. */
  DELAYED,
  /** The call was refused as unavailable by a {@link FaultInjectingStore#refuse refusal}. */
  REFUSED,
  /** The call was refused as unavailable because the session was suspended and lost. */
  SESSION_LOST,
  /** The write reached the wrapped store, then its caller got an unknown outcome. */
  UNKNOWN_OUTCOME_APPLIED,
  /** The write never reached the wrapped store, and its caller got an unknown outcome. */
  UNKNOWN_OUTCOME_NOT_APPLIED
}
