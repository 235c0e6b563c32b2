package io.libkv.zookeeper.internal;

import io.libkv.ConfigurationException;
import io.libkv.StoreConfig;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.Locale;
import org.apache.zookeeper.client.ZKClientConfig;
import org.apache.zookeeper.common.ClientX509Util;

/**
 * TLS for one ZooKeeper client through its own {@link ZKClientConfig} (Netty socket, key and trust
 * stores): never through JVM-wide system properties, so stores with different settings coexist.
 *
 * <p>{@code ca} is the trust store: PEM certificates, or a PKCS#12 / JKS file (by extension,
 * without password). {@code cert} and {@code key} are the client's PEM chain and PKCS#8 key;
 * ZooKeeper reads a PEM key store as one file, so they are joined into a private temporary file.
 */
final class ZkTls {
  private ZkTls() {}

  /** Sets the client's TLS properties; returns whether TLS is on. */
  static boolean configure(StoreConfig config, ZKClientConfig zk, String description) {
    if (!config.tls()) {
      return false;
    }
    if (config.sslContext().isPresent()) {
      throw new ConfigurationException(
          "ZooKeeper's client builds its TLS context itself from files: give ca (and "
              + "cert/key) instead of an SSLContext for "
              + description);
    }
    zk.setProperty(
        ZKClientConfig.ZOOKEEPER_CLIENT_CNXN_SOCKET, "org.apache.zookeeper.ClientCnxnSocketNetty");
    zk.setProperty(ZKClientConfig.SECURE_CLIENT, "true");
    try (ClientX509Util x = new ClientX509Util()) {
      if (config.caFile().isPresent()) {
        Path ca = config.caFile().get();
        readable(ca, "ca", description);
        zk.setProperty(x.getSslTruststoreLocationProperty(), ca.toString());
        zk.setProperty(x.getSslTruststoreTypeProperty(), storeType(ca));
      }
      if (config.certFile().isPresent()) {
        Path cert = config.certFile().get();
        Path key = config.keyFile().orElseThrow();
        readable(cert, "cert", description);
        readable(key, "key", description);
        zk.setProperty(x.getSslKeystoreLocationProperty(), joinedPem(cert, key).toString());
        zk.setProperty(x.getSslKeystoreTypeProperty(), "PEM");
      }
    }
    return true;
  }

  private static void readable(Path p, String param, String description) {
    if (!Files.isReadable(p)) {
      throw new ConfigurationException(param + ": cannot read " + p + " for " + description);
    }
  }

  private static String storeType(Path p) {
    String n = p.getFileName().toString().toLowerCase(Locale.ROOT);
    if (n.endsWith(".p12") || n.endsWith(".pfx")) {
      return "PKCS12";
    }
    if (n.endsWith(".jks")) {
      return "JKS";
    }
    return "PEM";
  }

  private static Path joinedPem(Path cert, Path key) {
    try {
      Path tmp = Files.createTempFile("libkv-zk-", ".pem");
      try {
        Files.setPosixFilePermissions(tmp, PosixFilePermissions.fromString("rw-------"));
      } catch (UnsupportedOperationException e) {
        // not a POSIX file system: the temporary directory's own protection applies
      }
      tmp.toFile().deleteOnExit();
      String pem =
          Files.readString(key, StandardCharsets.US_ASCII)
              + "\n"
              + Files.readString(cert, StandardCharsets.US_ASCII);
      Files.writeString(tmp, pem, StandardCharsets.US_ASCII);
      return tmp;
    } catch (IOException e) {
      throw new ConfigurationException(
          "cannot prepare the client key store from cert and key: " + e.getMessage());
    }
  }
}
