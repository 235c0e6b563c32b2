package io.libkv.redis.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.lettuce.core.RedisNoScriptException;
import io.lettuce.core.ScriptOutputType;
import io.libkv.ConfigurationException;
import io.libkv.KVException;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.math.BigInteger;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The store's one server-side script ({@code store.lua}) and the Redis keys it works on, all under
 * one hash tag so that in a Redis Cluster they share one slot. Calls go by the script's digest and
 * load it on {@code NOSCRIPT} (a restarted or newly promoted server has none cached): a script that
 * was not found ran nothing, so sending it again is safe for writes too.
 */
final class StoreScript {
  private static final byte[] SOURCE = load();
  private static final String SHA = sha1(SOURCE);

  /** How many expired keys or sessions one call deletes before doing its own work. */
  static final int SWEEP_LIMIT = 256;

  private final Link link;
  private final byte[][] keys;
  private final byte[] streamLength;
  private final byte[] sweepLimit = num(SWEEP_LIMIT);
  private final String tag;

  StoreScript(Link link, String prefix, long streamLength) {
    this.link = link;
    this.tag = tag(prefix);
    String[] names = {"i", "d", "m", "z", "x", "o", "ok", "s", "e"};
    keys = new byte[names.length][];
    for (int i = 0; i < names.length; i++) {
      keys[i] = (tag + ":" + names[i]).getBytes(UTF_8);
    }
    this.streamLength = num(streamLength);
  }

  /** The hash tag of a store with this key prefix. */
  static String tag(String prefix) {
    if (prefix.indexOf('{') >= 0 || prefix.indexOf('}') >= 0) {
      throw new ConfigurationException(
          "redis key prefix \""
              + prefix
              + "\": braces are not allowed (they make Redis hash tags)");
    }
    return "{libkv:" + prefix + "}";
  }

  /** The Redis name of the store's sessions. */
  byte[] sessionsKey() {
    return keys[7];
  }

  /** The Redis name of the store's change stream. */
  byte[] streamKey() {
    return keys[8];
  }

  /** Every Redis key of the store. */
  List<byte[]> allKeys() {
    return List.of(keys);
  }

  String tag() {
    return tag;
  }

  /** Runs operation {@code op} with {@code args}; a list reply. */
  List<Object> list(boolean write, @Nullable String key, String what, String op, byte[]... args) {
    Object r = run(write, key, what, ScriptOutputType.MULTI, op, args);
    @SuppressWarnings("unchecked")
    List<Object> l = (List<Object>) r;
    return l;
  }

  /** Runs operation {@code op} with {@code args}; an integer reply. */
  long integer(boolean write, @Nullable String key, String what, String op, byte[]... args) {
    Object r = run(write, key, what, ScriptOutputType.INTEGER, op, args);
    return ((Number) r).longValue();
  }

  private Object run(
      boolean write,
      @Nullable String key,
      String what,
      ScriptOutputType type,
      String op,
      byte[][] args) {
    byte[][] argv = new byte[args.length + 3][];
    argv[0] = op.getBytes(UTF_8);
    argv[1] = streamLength;
    argv[2] = sweepLimit;
    System.arraycopy(args, 0, argv, 3, args.length);
    try {
      return link.<Object>call(write, key, what, c -> c.evalsha(SHA, type, keys, argv));
    } catch (KVException e) {
      if (!(e.getCause() instanceof RedisNoScriptException)) {
        throw e;
      }
      // a script that was not found ran nothing: send it whole (EVAL also caches it)
      return link.<Object>call(write, key, what, c -> c.eval(SOURCE, type, keys, argv));
    }
  }

  static byte[] num(long n) {
    return Long.toString(n).getBytes(UTF_8);
  }

  static byte[] utf8(String s) {
    return s.getBytes(UTF_8);
  }

  /** A reply element as text (bulk strings come as bytes, integers as Long). */
  static String text(@Nullable Object o) {
    if (o == null) {
      return "";
    }
    if (o instanceof byte[] b) {
      return new String(b, UTF_8);
    }
    return o.toString();
  }

  /** A reply element as a number. */
  static long number(@Nullable Object o) {
    if (o instanceof Number n) {
      return n.longValue();
    }
    String t = text(o);
    return t.isEmpty() ? 0 : Long.parseLong(t);
  }

  /** A reply element as bytes. */
  static byte[] bytes(@Nullable Object o) {
    if (o instanceof byte[] b) {
      return b;
    }
    return o == null ? new byte[0] : text(o).getBytes(UTF_8);
  }

  /** Splits a flat reply list from {@code from} into triples. */
  static List<Object[]> triples(List<Object> reply, int from) {
    List<Object[]> out = new ArrayList<>((reply.size() - from) / 3);
    for (int i = from; i + 2 < reply.size(); i += 3) {
      out.add(new Object[] {reply.get(i), reply.get(i + 1), reply.get(i + 2)});
    }
    return out;
  }

  private static byte[] load() {
    try (InputStream in = StoreScript.class.getResourceAsStream("store.lua")) {
      if (in == null) {
        throw new IllegalStateException("store.lua is missing from libkv-redis");
      }
      return in.readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  private static String sha1(byte[] b) {
    try {
      byte[] d = MessageDigest.getInstance("SHA-1").digest(b);
      return String.format("%040x", new BigInteger(1, d));
    } catch (NoSuchAlgorithmException e) {
      throw new IllegalStateException(e);
    }
  }
}
