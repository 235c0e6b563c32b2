package io.libkv.recipes.discovery;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;

/**
 * A registered member of a service: its id, address and metadata, stored at {@code SERVICE/ID} as
 * the JSON object {@code {"id": ..., "address": ..., "meta": {...}}}.
 */
public final class Member {
  static final ObjectMapper JSON = new ObjectMapper();

  private final String id;
  private final String address;
  private final String metaJson;

  private Member(String id, String address, String metaJson) {
    this.id = id;
    this.address = address;
    this.metaJson = metaJson;
  }

  /**
   * A member with metadata given as a JSON object text.
   *
   * @throws IllegalArgumentException if {@code metaJson} is not a JSON object
   */
  public static Member of(String id, String address, String metaJson) {
    Objects.requireNonNull(id, "id");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(metaJson, "metaJson");
    JsonNode meta;
    try {
      meta = JSON.readTree(metaJson);
    } catch (JsonProcessingException e) {
      throw new IllegalArgumentException("metadata is not valid JSON: " + e.getOriginalMessage());
    }
    if (meta == null || !meta.isObject()) {
      throw new IllegalArgumentException("metadata must be a JSON object, was: " + metaJson);
    }
    return new Member(id, address, meta.toString());
  }

  /** A member with metadata given as a map (serialised with Jackson). */
  public static Member of(String id, String address, Map<String, ?> meta) {
    Objects.requireNonNull(meta, "meta");
    return new Member(
        Objects.requireNonNull(id, "id"),
        Objects.requireNonNull(address, "address"),
        JSON.valueToTree(meta).toString());
  }

  /** The member's id (the last segment of its key). */
  public String id() {
    return id;
  }

  /** Its address, e.g. {@code host:port}. */
  public String address() {
    return address;
  }

  /** Its metadata as JSON object text. */
  public String metadataJson() {
    return metaJson;
  }

  /** Its metadata as a fresh map. */
  @SuppressWarnings("unchecked")
  public Map<String, Object> metadata() {
    try {
      return JSON.readValue(metaJson, Map.class);
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
  }

  byte[] toBytes() {
    ObjectNode n = JSON.createObjectNode();
    n.put("id", id);
    n.put("address", address);
    try {
      n.set("meta", JSON.readTree(metaJson));
    } catch (JsonProcessingException e) {
      throw new IllegalStateException(e);
    }
    return n.toString().getBytes(StandardCharsets.UTF_8);
  }

  /** Parses a stored member; empty if the bytes are not a member record. */
  static Optional<Member> parse(String id, byte[] value) {
    try {
      JsonNode n = JSON.readTree(value);
      if (n == null || !n.isObject() || !n.path("address").isTextual()) {
        return Optional.empty();
      }
      JsonNode meta = n.path("meta");
      return Optional.of(
          new Member(id, n.get("address").asText(), meta.isObject() ? meta.toString() : "{}"));
    } catch (java.io.IOException e) {
      return Optional.empty();
    }
  }

  @Override
  public boolean equals(Object o) {
    if (!(o instanceof Member)) {
      return false;
    }
    Member m = (Member) o;
    return id.equals(m.id) && address.equals(m.address) && metaJson.equals(m.metaJson);
  }

  @Override
  public int hashCode() {
    return Objects.hash(id, address, metaJson);
  }

  @Override
  public String toString() {
    return "Member{" + id + " " + address + " " + metaJson + "}";
  }
}
