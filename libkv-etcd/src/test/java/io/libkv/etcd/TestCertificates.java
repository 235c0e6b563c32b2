package io.libkv.etcd;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CA, a server certificate for 127.0.0.1 and a client certificate, made with Debian's {@code
 * openssl} in a temporary directory; plus a second, unrelated CA for the wrong-CA case.
 */
final class TestCertificates {
  final Path dir;
  final Path ca;
  final Path otherCa;
  final Path serverCert;
  final Path serverKey;
  final Path clientCert;
  final Path clientKey;
  final Path clientP12;

  private TestCertificates(Path dir) {
    this.dir = dir;
    ca = dir.resolve("ca.crt");
    otherCa = dir.resolve("other-ca.crt");
    serverCert = dir.resolve("server.crt");
    serverKey = dir.resolve("server.key");
    clientCert = dir.resolve("client.crt");
    clientKey = dir.resolve("client.key");
    clientP12 = dir.resolve("client.p12");
  }

  static TestCertificates create() throws IOException {
    TestCertificates c = new TestCertificates(Files.createTempDirectory("libkv-etcd-tls-"));
    Path d = c.dir;
    Files.writeString(d.resolve("server.ext"), "subjectAltName=IP:127.0.0.1,DNS:localhost\n"
        + "extendedKeyUsage=serverAuth,clientAuth\n");
    Files.writeString(d.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "ca.key", "-out", "ca.crt", "-days", "2",
        "-subj", "/CN=libkv test CA");
    openssl(d, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-keyout", "other-ca.key", "-out", "other-ca.crt",
        "-days", "2", "-subj", "/CN=libkv other CA");
    for (String who : List.of("server", "client")) {
      openssl(d, "req", "-newkey", "rsa:2048", "-nodes", "-keyout", who + ".key", "-out", who + ".csr", "-subj",
          "/CN=" + (who.equals("server") ? "127.0.0.1" : "libkv-client"));
      openssl(d, "x509", "-req", "-in", who + ".csr", "-CA", "ca.crt", "-CAkey", "ca.key", "-CAcreateserial", "-out",
          who + ".crt", "-days", "2", "-extfile", who + ".ext");
    }
    openssl(d, "pkcs12", "-export", "-in", "client.crt", "-inkey", "client.key", "-out", "client.p12", "-passout",
        "pass:changeit");
    return c;
  }

  private static void openssl(Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true)
        .redirectOutput(dir.resolve("openssl.log").toFile()).start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException("openssl " + String.join(" ", args) + " failed: "
            + Files.readString(dir.resolve("openssl.log")));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted"));
    }
  }
}
