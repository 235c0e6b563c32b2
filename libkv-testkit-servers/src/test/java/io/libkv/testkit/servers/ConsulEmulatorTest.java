package io.libkv.testkit.servers;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.net.http.HttpTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Base64;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * The emulator against Consul's documented HTTP API (KV store, sessions, transactions, blocking
 * queries, ACLs, status codes), spoken to with a plain HTTP client.
 */
class ConsulEmulatorTest {
  private static final ObjectMapper JSON = new ObjectMapper();
  private static final HttpClient HTTP =
      HttpClient.newBuilder().version(HttpClient.Version.HTTP_1_1).build();

  private ConsulEmulator consul;

  @BeforeEach
  void start() {
    consul = ConsulEmulator.builder().sessionTtlMin(Duration.ofMillis(500)).start();
  }

  @AfterEach
  void stop() {
    consul.close();
  }

  /** An answer. */
  record Answer(int status, String body, long index) {
    JsonNode json() throws IOException {
      return JSON.readTree(body);
    }
  }

  private Answer call(String method, String path, String body) throws Exception {
    return call(consul, method, path, body, null);
  }

  private static Answer call(
      ConsulEmulator c, String method, String path, String body, String token) throws Exception {
    HttpRequest.Builder b =
        HttpRequest.newBuilder(URI.create("http://" + c.address() + path))
            .timeout(Duration.ofSeconds(30))
            .method(
                method,
                body == null
                    ? HttpRequest.BodyPublishers.noBody()
                    : HttpRequest.BodyPublishers.ofString(body));
    if (token != null) {
      b.header("X-Consul-Token", token);
    }
    HttpResponse<String> r = HTTP.send(b.build(), HttpResponse.BodyHandlers.ofString());
    return new Answer(
        r.statusCode(), r.body(), r.headers().firstValueAsLong("X-Consul-Index").orElse(-1));
  }

  private String session(String body) throws Exception {
    Answer a = call("PUT", "/v1/session/create", body);
    assertThat(a.status()).as(a.body()).isEqualTo(200);
    return a.json().get("ID").asText();
  }

  private static String b64(String s) {
    return Base64.getEncoder().encodeToString(s.getBytes(StandardCharsets.UTF_8));
  }

  @Nested
  class Kv {
    @Test
    void putThenGetReturnsTheDocumentedEntry() throws Exception {
      assertThat(call("PUT", "/v1/kv/web/key?flags=42", "test").body()).isEqualTo("true");
      Answer a = call("GET", "/v1/kv/web/key", null);
      assertThat(a.status()).isEqualTo(200);
      JsonNode e = a.json().get(0);
      assertThat(e.get("Key").asText()).isEqualTo("web/key");
      assertThat(e.get("Value").asText()).isEqualTo(b64("test"));
      assertThat(e.get("Flags").asLong()).isEqualTo(42);
      assertThat(e.get("LockIndex").asLong()).isZero();
      assertThat(e.has("Session")).isFalse();
      assertThat(e.get("CreateIndex").asLong()).isEqualTo(e.get("ModifyIndex").asLong());
      assertThat(a.index()).isEqualTo(e.get("ModifyIndex").asLong());
      assertThat(call("GET", "/v1/kv/web/key?raw", null).body()).isEqualTo("test");
    }

    @Test
    void missingKeyIs404WithAnIndex() throws Exception {
      Answer a = call("GET", "/v1/kv/nope", null);
      assertThat(a.status()).isEqualTo(404);
      assertThat(a.body()).isEmpty();
      assertThat(a.index()).isPositive();
      assertThat(call("GET", "/v1/kv/", null).status()).isEqualTo(400); // "Missing key name"
    }

    @Test
    void recurseMatchesRawPrefixesAndKeysHonourTheSeparator() throws Exception {
      for (String k : new String[] {"app", "app/a", "app/b/c", "apple"}) {
        call("PUT", "/v1/kv/" + k, "v");
      }
      JsonNode all = call("GET", "/v1/kv/app?recurse", null).json();
      assertThat(all)
          .extracting(n -> n.get("Key").asText())
          .containsExactly("app", "app/a", "app/b/c", "apple");
      JsonNode dir = call("GET", "/v1/kv/app/?recurse", null).json();
      assertThat(dir).extracting(n -> n.get("Key").asText()).containsExactly("app/a", "app/b/c");
      JsonNode keys = call("GET", "/v1/kv/app/?keys&separator=/", null).json();
      assertThat(keys).extracting(JsonNode::asText).containsExactly("app/a", "app/b/");
      assertThat(call("GET", "/v1/kv/zzz/?recurse", null).status()).isEqualTo(404);
    }

    @Test
    void casZeroCreatesOnlyAndCasIndexComparesModifyIndex() throws Exception {
      assertThat(call("PUT", "/v1/kv/k?cas=0", "a").body()).isEqualTo("true");
      assertThat(call("PUT", "/v1/kv/k?cas=0", "b").body()).isEqualTo("false");
      long idx = call("GET", "/v1/kv/k", null).index();
      assertThat(call("PUT", "/v1/kv/k?cas=" + (idx + 100), "c").body()).isEqualTo("false");
      assertThat(call("PUT", "/v1/kv/k?cas=" + idx, "c").body()).isEqualTo("true");
      assertThat(call("PUT", "/v1/kv/k?cas=1&acquire=x", "c").status())
          .isEqualTo(400); // conflicting flags
    }

    @Test
    void aWriteThatChangesNothingKeepsTheModifyIndex() throws Exception {
      call("PUT", "/v1/kv/k?flags=1", "same");
      long first = call("GET", "/v1/kv/k", null).index();
      call("PUT", "/v1/kv/other", "x");
      call("PUT", "/v1/kv/k?flags=1", "same");
      assertThat(call("GET", "/v1/kv/k", null).index()).isEqualTo(first);
      call("PUT", "/v1/kv/k?flags=2", "same");
      assertThat(call("GET", "/v1/kv/k", null).index()).isGreaterThan(first);
    }

    @Test
    void deleteWithCasAndRecurse() throws Exception {
      call("PUT", "/v1/kv/d/a", "1");
      call("PUT", "/v1/kv/d/b", "2");
      call("PUT", "/v1/kv/dx", "3");
      long idx = call("GET", "/v1/kv/d/a", null).index();
      assertThat(call("DELETE", "/v1/kv/d/a?cas=" + (idx + 1), null).body()).isEqualTo("false");
      assertThat(call("DELETE", "/v1/kv/d/a?cas=" + idx, null).body()).isEqualTo("true");
      assertThat(call("DELETE", "/v1/kv/missing?cas=5", null).body())
          .isEqualTo("true"); // nothing to compare
      assertThat(call("DELETE", "/v1/kv/d/?recurse", null).body()).isEqualTo("true");
      assertThat(call("GET", "/v1/kv/d/b", null).status()).isEqualTo(404);
      assertThat(call("GET", "/v1/kv/dx", null).status()).isEqualTo(200);
    }

    @Test
    void listIndexCountsTombstonesSoItDoesNotGoBackOnDelete() throws Exception {
      call("PUT", "/v1/kv/t/a", "1");
      call("PUT", "/v1/kv/t/b", "2");
      long before = call("GET", "/v1/kv/t/?recurse", null).index();
      call("DELETE", "/v1/kv/t/b", null);
      long after = call("GET", "/v1/kv/t/?recurse", null).index();
      assertThat(after).isGreaterThan(before);
      consul.reapTombstones();
      assertThat(call("GET", "/v1/kv/t/?recurse", null).index()).isLessThan(after);
    }

    @Test
    void valueOverTheLimitIs413() throws Exception {
      Answer a = call("PUT", "/v1/kv/big", "x".repeat(512 * 1024 + 1));
      assertThat(a.status()).isEqualTo(413);
      assertThat(a.body()).contains("too large");
      assertThat(call("PUT", "/v1/kv/big", "x".repeat(512 * 1024)).status()).isEqualTo(200);
    }
  }

  @Nested
  class BlockingQueries {
    @Test
    void waitsForAChangeAfterTheIndex() throws Exception {
      call("PUT", "/v1/kv/w", "1");
      long idx = call("GET", "/v1/kv/w", null).index();
      CompletableFuture<Answer> pending =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return call("GET", "/v1/kv/w?index=" + idx + "&wait=20s", null);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Thread.sleep(300);
      assertThat(pending).isNotDone();
      call("PUT", "/v1/kv/w", "2");
      Answer a = pending.get(10, TimeUnit.SECONDS);
      assertThat(a.index()).isGreaterThan(idx);
      assertThat(a.json().get(0).get("Value").asText()).isEqualTo(b64("2"));
    }

    @Test
    void returnsTheSameIndexWhenTheWaitEnds() throws Exception {
      call("PUT", "/v1/kv/w", "1");
      long idx = call("GET", "/v1/kv/w", null).index();
      long t0 = System.nanoTime();
      Answer a = call("GET", "/v1/kv/w?index=" + idx + "&wait=300ms", null);
      long ms = (System.nanoTime() - t0) / 1_000_000;
      assertThat(a.index()).isEqualTo(idx);
      assertThat(ms).isBetween(280L, 300L + 300 / 16 + 2000);
    }

    @Test
    void aRecursiveQueryWakesOnAnyKeyBelowThePrefix() throws Exception {
      call("PUT", "/v1/kv/p/a", "1");
      long idx = call("GET", "/v1/kv/p/?recurse", null).index();
      CompletableFuture<Answer> pending =
          CompletableFuture.supplyAsync(
              () -> {
                try {
                  return call("GET", "/v1/kv/p/?recurse&index=" + idx + "&wait=20s", null);
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      Thread.sleep(200);
      call("PUT", "/v1/kv/elsewhere", "x");
      Thread.sleep(200);
      assertThat(pending).isNotDone(); // the prefix's index did not move
      call("DELETE", "/v1/kv/p/a", null);
      Answer a = pending.get(10, TimeUnit.SECONDS);
      assertThat(a.status()).isEqualTo(404);
      assertThat(a.index()).isGreaterThan(idx);
    }

    @Test
    void anAnswerCarriesTheIndexOfTheStateItShowsWhileWritesRace() throws Exception {
      call("PUT", "/v1/kv/race/k", "0");
      java.util.concurrent.atomic.AtomicBoolean stop =
          new java.util.concurrent.atomic.AtomicBoolean();
      CompletableFuture<Void> writer =
          CompletableFuture.runAsync(
              () -> {
                try {
                  for (int i = 1; !stop.get() && i < 5_000; i++) {
                    call("PUT", "/v1/kv/race/k", Integer.toString(i));
                  }
                } catch (Exception e) {
                  throw new IllegalStateException(e);
                }
              });
      try {
        long idx = 0;
        for (int i = 0; i < 400 && !writer.isDone(); i++) {
          String query = i % 2 == 0 ? "?recurse" : "";
          Answer a =
              call(
                  "GET",
                  "/v1/kv/race/k"
                      + query
                      + (idx > 0
                          ? (query.isEmpty() ? "?" : "&") + "index=" + idx + "&wait=5s"
                          : ""),
                  null);
          long modify = a.json().get(0).get("ModifyIndex").asLong();
          // an index past the entry's would make the next blocking query skip a change
          assertThat(a.index()).as("answer %d", i).isEqualTo(modify);
          idx = a.index();
        }
      } finally {
        stop.set(true);
        writer.get(30, TimeUnit.SECONDS);
      }
    }

    @Test
    void countsRequests() throws Exception {
      long before = consul.requestCount("kv");
      call("GET", "/v1/kv/x", null);
      assertThat(consul.requestCount("kv")).isEqualTo(before + 1);
    }
  }

  @Nested
  class Sessions {
    @Test
    void createInfoListRenewDestroy() throws Exception {
      String id =
          session("{\"Name\":\"s\",\"TTL\":\"10s\",\"Behavior\":\"delete\",\"LockDelay\":\"2s\"}");
      JsonNode info = call("GET", "/v1/session/info/" + id, null).json().get(0);
      assertThat(info.get("ID").asText()).isEqualTo(id);
      assertThat(info.get("Behavior").asText()).isEqualTo("delete");
      assertThat(info.get("TTL").asText()).isEqualTo("10s");
      assertThat(info.get("LockDelay").asLong()).isEqualTo(2_000_000_000L);
      assertThat(info.get("Node").asText()).isEqualTo("emulator");
      assertThat(call("GET", "/v1/session/list", null).json()).hasSize(1);
      assertThat(call("PUT", "/v1/session/renew/" + id, null).json().get(0).get("ID").asText())
          .isEqualTo(id);
      assertThat(call("PUT", "/v1/session/destroy/" + id, null).body()).isEqualTo("true");
      assertThat(call("GET", "/v1/session/info/" + id, null).body()).isEqualTo("[]");
      Answer renew = call("PUT", "/v1/session/renew/" + id, null);
      assertThat(renew.status()).isEqualTo(404);
      assertThat(renew.body()).isEqualTo("Session id '" + id + "' not found");
      assertThat(call("PUT", "/v1/session/destroy/" + id, null).body())
          .isEqualTo("true"); // idempotent
    }

    @Test
    void ttlOutsideTheAgentsRangeIsRefused() throws Exception {
      Answer a = call("PUT", "/v1/session/create", "{\"TTL\":\"100ms\"}");
      assertThat(a.status()).isEqualTo(500);
      assertThat(a.body())
          .isEqualTo("Invalid Session TTL '100000000', must be between [500ms=24h0m0s]");
      assertThat(call("PUT", "/v1/session/create", "{\"TTL\":\"25h\"}").status()).isEqualTo(500);
      assertThat(call("PUT", "/v1/session/create", "{\"Behavior\":\"keep\"}").body())
          .isEqualTo("Invalid Behavior setting 'keep'");
    }

    @Test
    void theDefaultSessionTtlMinIsTenSeconds() throws Exception {
      try (ConsulEmulator c = ConsulEmulator.start()) {
        assertThat(c.sessionTtlMin()).isEqualTo(Duration.ofSeconds(10));
        assertThat(call(c, "PUT", "/v1/session/create", "{\"TTL\":\"9s\"}", null).body())
            .isEqualTo("Invalid Session TTL '9000000000', must be between [10s=24h0m0s]");
        assertThat(call(c, "PUT", "/v1/session/create", "{\"TTL\":\"10s\"}", null).status())
            .isEqualTo(200);
      }
    }

    @Test
    @Tag("slow")
    void aSessionIsInvalidatedBetweenItsTtlAndTwiceItsTtl() throws Exception {
      String id = session("{\"TTL\":\"500ms\",\"Behavior\":\"delete\",\"LockDelay\":\"0s\"}");
      assertThat(call("PUT", "/v1/kv/eph?acquire=" + id, "v").body()).isEqualTo("true");
      long t0 = System.nanoTime();
      Thread.sleep(450);
      assertThat(call("GET", "/v1/kv/eph", null).status()).isEqualTo(200);
      while (call("GET", "/v1/kv/eph", null).status() == 200) {
        assertThat(System.nanoTime() - t0).isLessThan(TimeUnit.MILLISECONDS.toNanos(1500));
        Thread.sleep(20);
      }
      assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(500));
      assertThat(call("GET", "/v1/session/info/" + id, null).body()).isEqualTo("[]");
    }

    @Test
    void acquireReleaseLockIndexAndBehaviours() throws Exception {
      String a = session("{\"LockDelay\":\"0s\"}");
      String b = session("{\"LockDelay\":\"0s\",\"Behavior\":\"release\"}");
      assertThat(call("PUT", "/v1/kv/l?acquire=" + a, "a").body()).isEqualTo("true");
      assertThat(call("PUT", "/v1/kv/l?acquire=" + b, "b").body()).isEqualTo("false");
      assertThat(call("PUT", "/v1/kv/l?acquire=" + a, "a2").body())
          .isEqualTo("true"); // the holder again
      JsonNode e = call("GET", "/v1/kv/l", null).json().get(0);
      assertThat(e.get("LockIndex").asLong()).isEqualTo(1);
      assertThat(e.get("Session").asText()).isEqualTo(a);
      assertThat(call("PUT", "/v1/kv/l?release=" + b, "x").body()).isEqualTo("false");
      assertThat(call("PUT", "/v1/kv/l?release=" + a, "r").body()).isEqualTo("true");
      assertThat(call("GET", "/v1/kv/l", null).json().get(0).has("Session")).isFalse();
      assertThat(call("PUT", "/v1/kv/l?acquire=" + b, "b").body()).isEqualTo("true");
      assertThat(call("GET", "/v1/kv/l", null).json().get(0).get("LockIndex").asLong())
          .isEqualTo(2);
      call("PUT", "/v1/session/destroy/" + b, null); // behaviour release: the key stays, unlocked
      JsonNode after = call("GET", "/v1/kv/l", null).json().get(0);
      assertThat(after.has("Session")).isFalse();
      assertThat(call("PUT", "/v1/kv/m?acquire=nope", "x").status())
          .isEqualTo(500); // invalid session
    }

    @Test
    void lockDelayBlocksAcquisitionAfterTheHolderIsInvalidated() throws Exception {
      String a = session("{\"LockDelay\":\"1s\",\"Behavior\":\"release\"}");
      String b = session("{\"LockDelay\":\"0s\"}");
      call("PUT", "/v1/kv/ld?acquire=" + a, "a");
      call("PUT", "/v1/session/destroy/" + a, null);
      assertThat(call("PUT", "/v1/kv/ld?acquire=" + b, "b").body()).isEqualTo("false");
      JsonNode txn =
          call(
                  "PUT",
                  "/v1/txn",
                  "[{\"KV\":{\"Verb\":\"lock\",\"Key\":\"ld\",\"Value\":\""
                      + b64("b")
                      + "\",\"Session\":\""
                      + b
                      + "\"}}]")
              .json();
      assertThat(txn.get("Errors").get(0).get("What").asText())
          .isEqualTo("failed to lock key \"ld\" due to lock delay");
      Thread.sleep(1100);
      assertThat(call("PUT", "/v1/kv/ld?acquire=" + b, "b").body()).isEqualTo("true");
    }
  }

  @Nested
  class Transactions {
    @Test
    void successfulTransactionReturnsResultsWithoutValuesExceptGets() throws Exception {
      Answer a =
          call(
              "PUT",
              "/v1/txn",
              "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"t/a\",\"Value\":\""
                  + b64("1")
                  + "\",\"Flags\":7}},{\"KV\":{\"Verb\":\"get\",\"Key\":\"t/a\"}},{\"KV\":{\"Verb\":\"delete\",\"Key\":\"t/x\"}}]");
      assertThat(a.status()).isEqualTo(200);
      JsonNode r = a.json();
      assertThat(r.get("Errors").isNull()).isTrue();
      assertThat(r.get("Results")).hasSize(2); // no result for a delete
      assertThat(r.get("Results").get(0).get("KV").get("Value").isNull()).isTrue();
      assertThat(r.get("Results").get(0).get("KV").get("Flags").asLong()).isEqualTo(7);
      assertThat(r.get("Results").get(1).get("KV").get("Value").asText()).isEqualTo(b64("1"));
      long mi = r.get("Results").get(0).get("KV").get("ModifyIndex").asLong();
      assertThat(r.get("Results").get(1).get("KV").get("ModifyIndex").asLong()).isEqualTo(mi);
    }

    @Test
    void aFailedOperationRollsEverythingBackWith409() throws Exception {
      call("PUT", "/v1/kv/t/b", "old");
      Answer a =
          call(
              "PUT",
              "/v1/txn",
              "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"t/b\",\"Value\":\""
                  + b64("new")
                  + "\"}},{\"KV\":{\"Verb\":\"cas\",\"Key\":\"t/c\",\"Value\":\""
                  + b64("x")
                  + "\",\"Index\":99}},"
                  + "{\"KV\":{\"Verb\":\"get\",\"Key\":\"t/none\"}},{\"KV\":{\"Verb\":\"check-index\",\"Key\":\"t/b\",\"Index\":1}}]");
      assertThat(a.status()).isEqualTo(409);
      JsonNode r = a.json();
      assertThat(r.get("Results").isNull()).isTrue();
      assertThat(r.get("Errors"))
          .extracting(e -> e.get("OpIndex").asInt())
          .containsExactly(1, 2, 3);
      assertThat(r.get("Errors").get(0).get("What").asText())
          .isEqualTo("failed to set key \"t/c\", index is stale");
      assertThat(r.get("Errors").get(1).get("What").asText())
          .isEqualTo("key \"t/none\" doesn't exist");
      assertThat(r.get("Errors").get(2).get("What").asText())
          .startsWith("failed index check for key \"t/b\"");
      assertThat(call("GET", "/v1/kv/t/b?raw", null).body()).isEqualTo("old");
    }

    @Test
    void deleteTreeCheckNotExistsDeleteCasAndLockVerbs() throws Exception {
      call("PUT", "/v1/kv/dt/a", "1");
      call("PUT", "/v1/kv/dt/b", "2");
      String s = session("{\"LockDelay\":\"0s\"}");
      Answer a =
          call(
              "PUT",
              "/v1/txn",
              "[{\"KV\":{\"Verb\":\"delete-tree\",\"Key\":\"dt/\"}},"
                  + "{\"KV\":{\"Verb\":\"check-not-exists\",\"Key\":\"dt/a\"}},"
                  + "{\"KV\":{\"Verb\":\"lock\",\"Key\":\"dt/l\",\"Value\":\""
                  + b64("v")
                  + "\",\"Session\":\""
                  + s
                  + "\"}},"
                  + "{\"KV\":{\"Verb\":\"check-session\",\"Key\":\"dt/l\",\"Session\":\""
                  + s
                  + "\"}}]");
      assertThat(a.status()).as(a.body()).isEqualTo(200);
      JsonNode lock = a.json().get("Results").get(0).get("KV");
      assertThat(lock.get("Session").asText()).isEqualTo(s);
      assertThat(lock.get("LockIndex").asLong()).isEqualTo(1);
      long idx = lock.get("ModifyIndex").asLong();
      Answer del =
          call(
              "PUT",
              "/v1/txn",
              "[{\"KV\":{\"Verb\":\"unlock\",\"Key\":\"dt/l\",\"Value\":\""
                  + b64("u")
                  + "\",\"Session\":\""
                  + s
                  + "\"}},{\"KV\":{\"Verb\":\"delete-cas\",\"Key\":\"dt/l\",\"Index\":"
                  + idx
                  + "}}]");
      assertThat(del.status())
          .isEqualTo(409); // the unlock moved the index: the CAS delete is stale
      assertThat(del.json().get("Errors").get(0).get("OpIndex").asInt()).isEqualTo(1);
      assertThat(call("GET", "/v1/kv/dt/l", null).json().get(0).get("Session").asText())
          .isEqualTo(s);
    }

    @Test
    void limitsAndMalformedBodies() throws Exception {
      StringBuilder many = new StringBuilder("[");
      for (int i = 0; i < 65; i++) {
        many.append(i == 0 ? "" : ",")
            .append("{\"KV\":{\"Verb\":\"get\",\"Key\":\"k")
            .append(i)
            .append("\"}}");
      }
      Answer tooMany = call("PUT", "/v1/txn", many.append("]").toString());
      assertThat(tooMany.status()).isEqualTo(413);
      assertThat(tooMany.body()).isEqualTo("Transaction contains too many operations (65 > 64)");
      Answer bad = call("PUT", "/v1/txn", "{not json");
      assertThat(bad.status()).isEqualTo(400);
      assertThat(bad.body()).startsWith("Failed to parse body:");
      String big = Base64.getEncoder().encodeToString(new byte[400 * 1024]);
      Answer tooBig =
          call(
              "PUT",
              "/v1/txn",
              "[{\"KV\":{\"Verb\":\"set\",\"Key\":\"b\",\"Value\":\"" + big + "\"}}]");
      assertThat(tooBig.status())
          .isEqualTo(413); // the body, base64 and all, is over txn_max_req_len
      assertThat(tooBig.body()).startsWith("Request body too large, max size: 524288 bytes");
      assertThat(call("PUT", "/v1/txn", "[{\"KV\":{\"verb\":\"set\",\"key\":\"lower\"}}]").status())
          .isEqualTo(200); // Go decodes field names without regard to case
    }
  }

  @Nested
  class Acls {
    @Test
    void aConfiguredTokenIsRequired() throws Exception {
      try (ConsulEmulator c = ConsulEmulator.builder().aclToken("s3cret").start()) {
        Answer anonymous = call(c, "GET", "/v1/kv/k", null, null);
        assertThat(anonymous.status()).isEqualTo(403);
        assertThat(anonymous.body())
            .isEqualTo("Permission denied: anonymous token lacks permission 'key:read' on \"k\"");
        Answer wrong = call(c, "PUT", "/v1/kv/k", "v", "guess");
        assertThat(wrong.status()).isEqualTo(403);
        assertThat(wrong.body()).isEqualTo("ACL not found");
        assertThat(call(c, "PUT", "/v1/kv/k", "v", "s3cret").body()).isEqualTo("true");
        assertThat(call(c, "GET", "/v1/kv/k?token=s3cret", null, null).status()).isEqualTo(200);
        assertThat(call(c, "GET", "/v1/status/leader", null, null).status())
            .isEqualTo(200); // no ACL needed
      }
    }
  }

  @Nested
  class Faults {
    @Test
    void restartLosesEverythingAndTheIndexStartsOver() throws Exception {
      for (int i = 0; i < 20; i++) {
        call("PUT", "/v1/kv/r" + i, "v");
      }
      String s = session("{}");
      long before = call("GET", "/v1/kv/r19", null).index();
      int port = consul.port();
      consul.restart();
      assertThat(consul.port()).isEqualTo(port);
      Answer a = call("GET", "/v1/kv/r19", null);
      assertThat(a.status()).isEqualTo(404);
      assertThat(a.index()).isLessThan(before);
      assertThat(call("GET", "/v1/session/info/" + s, null).body()).isEqualTo("[]");
    }

    @Test
    void aHungAgentAcceptsAndNeverAnswers() throws Exception {
      consul.hang(true);
      HttpRequest r =
          HttpRequest.newBuilder(URI.create("http://" + consul.address() + "/v1/kv/k"))
              .timeout(Duration.ofMillis(300))
              .GET()
              .build();
      assertThatThrownBy(() -> HTTP.send(r, HttpResponse.BodyHandlers.ofString()))
          .isInstanceOf(HttpTimeoutException.class);
      consul.hang(false);
      assertThat(call("GET", "/v1/kv/k", null).status()).isEqualTo(404);
    }

    @Test
    void aSlowAgentAnswersLate() throws Exception {
      consul.delay(Duration.ofMillis(300));
      long t0 = System.nanoTime();
      call("GET", "/v1/kv/k", null);
      assertThat(System.nanoTime() - t0).isGreaterThanOrEqualTo(TimeUnit.MILLISECONDS.toNanos(300));
    }

    @Test
    void expireSessionInvalidatesItNow() throws Exception {
      String s = session("{\"Behavior\":\"delete\",\"LockDelay\":\"0s\"}");
      call("PUT", "/v1/kv/x?acquire=" + s, "v");
      assertThat(consul.expireSession(s)).isTrue();
      assertThat(call("GET", "/v1/kv/x", null).status()).isEqualTo(404);
    }
  }
}
