package io.libkv.zookeeper;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.Key;
import java.security.KeyStore;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;

/**
 * Certificates made by the test with the JDK's {@code keytool} (EC keys: quick to make): a CA, and
 * server and client certificates it signed for 127.0.0.1 and localhost, as PEM files ({@code
 * ca.pem}, {@code <who>.pem} chain, {@code <who>-key.pem} PKCS#8 key, {@code <who>-keystore.pem}
 * both).
 */
final class TestCerts {
  private static final String PASSWORD = "changeit";
  final Path dir;

  private TestCerts(Path dir) {
    this.dir = dir;
  }

  /** Makes a CA named {@code caName} and, signed by it, an entry for each of {@code who}. */
  static TestCerts make(Path dir, String caName, String... who) throws Exception {
    TestCerts c = new TestCerts(dir);
    c.keytool(
        "-genkeypair",
        "-alias",
        "ca",
        "-keyalg",
        "EC",
        "-groupname",
        "secp256r1",
        "-dname",
        "CN=" + caName,
        "-ext",
        "bc:c",
        "-validity",
        "2",
        "-keystore",
        "ca.p12");
    String caPem = pem("CERTIFICATE", c.load("ca.p12").getCertificate("ca").getEncoded());
    Files.writeString(dir.resolve("ca.pem"), caPem);
    for (String w : who) {
      c.keytool(
          "-genkeypair",
          "-alias",
          w,
          "-keyalg",
          "EC",
          "-groupname",
          "secp256r1",
          "-dname",
          "CN=" + w,
          "-validity",
          "2",
          "-keystore",
          w + ".p12");
      c.keytool("-certreq", "-alias", w, "-keystore", w + ".p12", "-file", w + ".csr");
      c.keytool(
          "-gencert",
          "-alias",
          "ca",
          "-keystore",
          "ca.p12",
          "-infile",
          w + ".csr",
          "-outfile",
          w + ".crt",
          "-ext",
          "san=ip:127.0.0.1,dns:localhost",
          "-validity",
          "2",
          "-rfc");
      String chain = Files.readString(dir.resolve(w + ".crt")).trim() + "\n" + caPem;
      Key key = c.load(w + ".p12").getKey(w, PASSWORD.toCharArray());
      String keyPem = pem("PRIVATE KEY", key.getEncoded());
      Files.writeString(dir.resolve(w + ".pem"), chain);
      Files.writeString(dir.resolve(w + "-key.pem"), keyPem);
      Files.writeString(dir.resolve(w + "-keystore.pem"), keyPem + chain);
    }
    return c;
  }

  Path path(String name) {
    return dir.resolve(name);
  }

  private KeyStore load(String store) throws Exception {
    KeyStore ks = KeyStore.getInstance("PKCS12");
    try (InputStream in = Files.newInputStream(dir.resolve(store))) {
      ks.load(in, PASSWORD.toCharArray());
    }
    return ks;
  }

  private void keytool(String... args) throws Exception {
    List<String> cmd = new ArrayList<>();
    cmd.add(Path.of(System.getProperty("java.home"), "bin", "keytool").toString());
    cmd.add("-J-XX:TieredStopAtLevel=1");
    cmd.add("-J-Xshare:auto");
    cmd.addAll(List.of(args));
    cmd.addAll(List.of("-storepass", PASSWORD, "-storetype", "PKCS12"));
    Process p = new ProcessBuilder(cmd).directory(dir.toFile()).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    if (p.waitFor() != 0) {
      throw new IllegalStateException("keytool " + String.join(" ", args) + " failed: " + out);
    }
  }

  private static String pem(String type, byte[] der) {
    return "-----BEGIN "
        + type
        + "-----\n"
        + Base64.getMimeEncoder(64, new byte[] {'\n'}).encodeToString(der)
        + "\n-----END "
        + type
        + "-----\n";
  }
}
