package io.libkv.consul.internal;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/** Consul's JSON: transaction bodies, KV entries, transaction results. */
final class Wire {
  static final ObjectMapper JSON = new ObjectMapper();
  private static final JsonFactory FACTORY = JSON.getFactory();

  private Wire() {}

  /**
   * A fresh value for a written entry's Flags. Consul skips a write that changes nothing (same
   * value, flags and session) and keeps its ModifyIndex; the contract wants a new index on every
   * write, so every write carries a new nonce in Flags.
   */
  static long nonce() {
    return ThreadLocalRandom.current().nextLong() & Long.MAX_VALUE | 1;
  }

  /** A KV entry as Consul returns it. */
  static final class Entry {
    final String key;
    final byte[] value;
    final long flags;
    final long createIndex;
    final long modifyIndex;
    final long lockIndex;
    final String session;

    Entry(
        String key,
        byte[] value,
        long flags,
        long createIndex,
        long modifyIndex,
        long lockIndex,
        String session) {
      this.key = key;
      this.value = value;
      this.flags = flags;
      this.createIndex = createIndex;
      this.modifyIndex = modifyIndex;
      this.lockIndex = lockIndex;
      this.session = session;
    }

    boolean hasSession() {
      return !session.isEmpty();
    }
  }

  static Entry entry(JsonNode o) {
    JsonNode v = o.get("Value");
    JsonNode s = o.get("Session");
    return new Entry(
        o.path("Key").asText(),
        v == null || v.isNull() ? new byte[0] : Base64.getDecoder().decode(v.asText()),
        o.path("Flags").asLong(),
        o.path("CreateIndex").asLong(),
        o.path("ModifyIndex").asLong(),
        o.path("LockIndex").asLong(),
        s == null || s.isNull() ? "" : s.asText());
  }

  /** The entries of a KV GET answer (a JSON array). */
  static List<Entry> entries(byte[] body) {
    try {
      JsonNode a = JSON.readTree(body);
      List<Entry> out = new ArrayList<>(a.size());
      for (JsonNode o : a) {
        out.add(entry(o));
      }
      return out;
    } catch (IOException e) {
      throw new UncheckedIOException("malformed answer from Consul", e);
    }
  }

  /** A /v1/txn request body under construction. */
  static final class Txn {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream(256);
    private final JsonGenerator g;
    private int ops;
    private byte @Nullable [] done;

    Txn() {
      try {
        g = FACTORY.createGenerator(out);
        g.writeStartArray();
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    /** Adds a KV operation; zero/null fields are left out as Consul's own client does. */
    Txn op(
        String verb,
        String key,
        byte @Nullable [] value,
        long flags,
        long index,
        @Nullable String session) {
      try {
        g.writeStartObject();
        g.writeObjectFieldStart("KV");
        g.writeStringField("Verb", verb);
        g.writeStringField("Key", key);
        if (value != null) {
          g.writeFieldName("Value");
          g.writeBinary(value);
        }
        if (flags != 0) {
          g.writeNumberField("Flags", flags);
        }
        if (index != 0) {
          g.writeNumberField("Index", index);
        }
        if (session != null) {
          g.writeStringField("Session", session);
        }
        g.writeEndObject();
        g.writeEndObject();
        ops++;
        return this;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }

    int size() {
      return ops;
    }

    /** The body; the transaction takes no more operations after. */
    byte[] bytes() {
      if (done != null) {
        return done;
      }
      try {
        g.writeEndArray();
        g.close();
        done = out.toByteArray();
        return done;
      } catch (IOException e) {
        throw new UncheckedIOException(e);
      }
    }
  }

  /** A failed operation of a rolled-back transaction. */
  static final class TxnError {
    final int opIndex;
    final String what;

    TxnError(int opIndex, String what) {
      this.opIndex = opIndex;
      this.what = what;
    }
  }

  /** A transaction's answer: results (200) or errors (409). */
  static final class TxnResult {
    final List<Entry> results;
    final List<TxnError> errors;

    TxnResult(List<Entry> results, List<TxnError> errors) {
      this.results = results;
      this.errors = errors;
    }

    boolean ok() {
      return errors.isEmpty();
    }

    /** Whether operation {@code i} is among the failed ones. */
    boolean failed(int i) {
      for (TxnError e : errors) {
        if (e.opIndex == i) {
          return true;
        }
      }
      return false;
    }

    String describe() {
      StringBuilder b = new StringBuilder();
      for (TxnError e : errors) {
        b.append(b.length() == 0 ? "" : "; ").append(e.what);
      }
      return b.toString();
    }
  }

  static TxnResult txnResult(byte[] body) {
    try {
      JsonNode o = JSON.readTree(body);
      List<Entry> results = new ArrayList<>();
      List<TxnError> errors = new ArrayList<>();
      for (JsonNode r : o.path("Results")) {
        JsonNode kv = r.get("KV");
        if (kv != null && !kv.isNull()) {
          results.add(entry(kv));
        }
      }
      for (JsonNode e : o.path("Errors")) {
        errors.add(new TxnError(e.path("OpIndex").asInt(), e.path("What").asText()));
      }
      return new TxnResult(results, errors);
    } catch (IOException e) {
      throw new UncheckedIOException("malformed transaction answer from Consul", e);
    }
  }

  /** A JSON object body with string fields, for session creation. */
  static byte[] object(String... fieldsAndValues) {
    try {
      ByteArrayOutputStream out = new ByteArrayOutputStream();
      try (JsonGenerator g = FACTORY.createGenerator(out)) {
        g.writeStartObject();
        for (int i = 0; i < fieldsAndValues.length; i += 2) {
          g.writeStringField(fieldsAndValues[i], fieldsAndValues[i + 1]);
        }
        g.writeEndObject();
      }
      return out.toByteArray();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** The "ID" of a session-create answer. */
  static String sessionId(byte[] body) {
    try {
      return JSON.readTree(body).path("ID").asText();
    } catch (IOException e) {
      throw new UncheckedIOException("malformed session answer from Consul", e);
    }
  }
}
