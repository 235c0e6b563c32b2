package io.libkv.testkit.servers;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A CA, a server certificate for 127.0.0.1 and a client certificate, made with Debian's {@code
 * openssl} in a temporary directory; plus a second, unrelated CA for the wrong-CA case. PKCS#12
 * copies (password {@code changeit}) serve Java servers and clients that take key stores.
 */
public final class TestCertificates {
  /** The directory holding them all. */
  public final Path dir;

  /** The CA that signed the server and client certificates (PEM). */
  public final Path ca;

  /** An unrelated CA (PEM). */
  public final Path otherCa;

  /** The server's certificate for 127.0.0.1 and localhost (PEM). */
  public final Path serverCert;

  /** Its key (PEM). */
  public final Path serverKey;

  /** The server's certificate and key as PKCS#12. */
  public final Path serverP12;

  /** The client's certificate (PEM). */
  public final Path clientCert;

  /** Its key (PEM). */
  public final Path clientKey;

  /** The client's certificate and key as PKCS#12. */
  public final Path clientP12;

  private TestCertificates(Path dir) {
    this.dir = dir;
    ca = dir.resolve("ca.crt");
    otherCa = dir.resolve("other-ca.crt");
    serverCert = dir.resolve("server.crt");
    serverKey = dir.resolve("server.key");
    serverP12 = dir.resolve("server.p12");
    clientCert = dir.resolve("client.crt");
    clientKey = dir.resolve("client.key");
    clientP12 = dir.resolve("client.p12");
  }

  /** Makes a fresh set in a new temporary directory. */
  public static TestCertificates create() throws IOException {
    TestCertificates c = new TestCertificates(Files.createTempDirectory("libkv-tls-"));
    Path d = c.dir;
    Files.writeString(
        d.resolve("server.ext"),
        "subjectAltName=IP:127.0.0.1,DNS:localhost\n" + "extendedKeyUsage=serverAuth,clientAuth\n");
    Files.writeString(d.resolve("client.ext"), "extendedKeyUsage=clientAuth\n");
    openssl(
        d,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "ca.key",
        "-out",
        "ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=libkv test CA");
    openssl(
        d,
        "req",
        "-x509",
        "-newkey",
        "rsa:2048",
        "-nodes",
        "-keyout",
        "other-ca.key",
        "-out",
        "other-ca.crt",
        "-days",
        "2",
        "-subj",
        "/CN=libkv other CA");
    for (String who : List.of("server", "client")) {
      openssl(
          d,
          "req",
          "-newkey",
          "rsa:2048",
          "-nodes",
          "-keyout",
          who + ".key",
          "-out",
          who + ".csr",
          "-subj",
          "/CN=" + (who.equals("server") ? "127.0.0.1" : "libkv-client"));
      openssl(
          d,
          "x509",
          "-req",
          "-in",
          who + ".csr",
          "-CA",
          "ca.crt",
          "-CAkey",
          "ca.key",
          "-CAcreateserial",
          "-out",
          who + ".crt",
          "-days",
          "2",
          "-extfile",
          who + ".ext");
      openssl(
          d,
          "pkcs12",
          "-export",
          "-in",
          who + ".crt",
          "-inkey",
          who + ".key",
          "-out",
          who + ".p12",
          "-passout",
          "pass:changeit");
    }
    return c;
  }

  /**
   * An SSLContext that presents the server certificate (for Java servers such as the Consul
   * emulator).
   */
  public javax.net.ssl.SSLContext serverContext() {
    try (java.io.InputStream in = Files.newInputStream(serverP12)) {
      java.security.KeyStore ks = java.security.KeyStore.getInstance("PKCS12");
      ks.load(in, "changeit".toCharArray());
      javax.net.ssl.KeyManagerFactory kmf =
          javax.net.ssl.KeyManagerFactory.getInstance(
              javax.net.ssl.KeyManagerFactory.getDefaultAlgorithm());
      kmf.init(ks, "changeit".toCharArray());
      javax.net.ssl.SSLContext ctx = javax.net.ssl.SSLContext.getInstance("TLS");
      ctx.init(kmf.getKeyManagers(), null, null);
      return ctx;
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    } catch (java.security.GeneralSecurityException e) {
      throw new IllegalStateException("cannot load " + serverP12, e);
    }
  }

  private static void openssl(Path dir, String... args) throws IOException {
    List<String> cmd = new ArrayList<>();
    cmd.add("openssl");
    cmd.addAll(List.of(args));
    Process p =
        new ProcessBuilder(cmd)
            .directory(dir.toFile())
            .redirectErrorStream(true)
            .redirectOutput(dir.resolve("openssl.log").toFile())
            .start();
    try {
      if (!p.waitFor(60, TimeUnit.SECONDS) || p.exitValue() != 0) {
        throw new IOException(
            "openssl "
                + String.join(" ", args)
                + " failed: "
                + Files.readString(dir.resolve("openssl.log")));
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      throw new UncheckedIOException(new IOException("interrupted"));
    }
  }
}
