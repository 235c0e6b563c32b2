package io.libkv.util;

import io.libkv.Store;
import java.util.function.UnaryOperator;

/**
 * A store decorator for core's tests, as a metrics module is: {@code testTag=NAME} wraps the store
 * in a {@link Tagged} store carrying NAME, {@code testTag=off} leaves it as it is, an empty value
 * is refused.
 */
public final class TagTestDecorator implements StoreDecorator {
  /** Made by {@link java.util.ServiceLoader}. */
  public TagTestDecorator() {}

  @Override
  public String parameter() {
    return "testTag";
  }

  @Override
  public UnaryOperator<Store> decoration(String value) {
    if (value.isEmpty()) {
      throw new IllegalArgumentException("expected a tag or off");
    }
    return value.equals("off") ? UnaryOperator.identity() : s -> new Tagged(s, value);
  }

  /** A store that passes every call on, and carries a tag. */
  public static final class Tagged extends ForwardingStore {
    private final String tag;

    Tagged(Store delegate, String tag) {
      super(delegate);
      this.tag = tag;
    }

    /** The tag the URI gave. */
    public String tag() {
      return tag;
    }
  }
}
