package io.libkv.spi;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import org.junit.jupiter.api.Test;

/**
 * The wrong-server diagnosis knows servers only by the signatures installed backends declare: here
 * the test backend {@code paths:}'s, answered by a one-shot HTTP/1 server on the loopback.
 */
class EndpointProbeSignatureTest {
  @Test
  void aDeclaredServerIsRecognisedAndItsSchemeSuggested() throws Exception {
    String answer = "HTTP/1.0 200 OK\r\n\r\n{\"pathsserver\":\"1.2\"}";
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> served = CompletableFuture.runAsync(() -> answerOnce(server, answer));
      String endpoint = "127.0.0.1:" + server.getLocalPort();
      assertThat(EndpointProbe.explain("memory", false, List.of(endpoint), Duration.ofSeconds(5)))
          .contains("a paths server (version 1.2) answered: this looks like paths, use paths:");
      served.get();
    }
  }

  @Test
  void anHttpServerNoSignatureClaimsIsNamedAsSuch() throws Exception {
    try (ServerSocket server = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      CompletableFuture<Void> served =
          CompletableFuture.runAsync(() -> answerOnce(server, "HTTP/1.1 404 Not Found\r\n\r\n"));
      String endpoint = "127.0.0.1:" + server.getLocalPort();
      assertThat(EndpointProbe.explain("memory", false, List.of(endpoint), Duration.ofSeconds(5)))
          .contains(
              "an HTTP/1 server answered (HTTP/1.1 404 Not Found): this looks like an HTTP/1 server, not memory");
      served.get();
    }
  }

  private static void answerOnce(ServerSocket server, String answer) {
    try (Socket s = server.accept()) {
      s.setSoTimeout(5_000);
      InputStream in = s.getInputStream();
      byte[] buf = new byte[1024];
      // the request ends with an empty line
      StringBuilder request = new StringBuilder();
      for (int n; !request.toString().contains("\r\n\r\n") && (n = in.read(buf)) > 0; ) {
        request.append(new String(buf, 0, n, StandardCharsets.ISO_8859_1));
      }
      OutputStream out = s.getOutputStream();
      out.write(answer.getBytes(StandardCharsets.ISO_8859_1));
      out.flush();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }
}
