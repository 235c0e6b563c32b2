package io.libkv.consul.internal;

import io.libkv.ConfigurationException;
import io.libkv.StoreConfig;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyFactory;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.cert.Certificate;
import java.security.cert.CertificateFactory;
import java.security.spec.PKCS8EncodedKeySpec;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Optional;
import javax.net.ssl.KeyManagerFactory;
import javax.net.ssl.SSLContext;
import javax.net.ssl.TrustManagerFactory;

/**
 * Builds the SSL context a store's TLS settings describe, from PEM files; never the JVM default.
 */
final class Tls {
  private Tls() {}

  /** The context and what identifies its configuration (for sharing HTTP clients). */
  static final class Setup {
    final SSLContext context;
    final Object identity;

    Setup(SSLContext context, Object identity) {
      this.context = context;
      this.identity = identity;
    }
  }

  /** The TLS setup of {@code config}: its SSLContext, or one built from its PEM files. */
  static Setup of(StoreConfig config) {
    Optional<SSLContext> given = config.sslContext();
    if (given.isPresent()) {
      return new Setup(given.get(), given.get());
    }
    Path ca = config.caFile().orElse(null);
    Path cert = config.certFile().orElse(null);
    Path key = config.keyFile().orElse(null);
    try {
      byte[] caBytes = ca == null ? null : Files.readAllBytes(ca);
      byte[] certBytes = cert == null ? null : Files.readAllBytes(cert);
      byte[] keyBytes = key == null ? null : Files.readAllBytes(key);
      TrustManagerFactory tmf =
          TrustManagerFactory.getInstance(TrustManagerFactory.getDefaultAlgorithm());
      if (caBytes != null) {
        KeyStore trust = KeyStore.getInstance(KeyStore.getDefaultType());
        trust.load(null, null);
        int i = 0;
        for (Certificate c : certificates(caBytes)) {
          trust.setCertificateEntry("ca" + i++, c);
        }
        tmf.init(trust);
      } else {
        tmf.init((KeyStore) null); // the JDK's own trust store, as a browser would
      }
      KeyManagerFactory kmf = null;
      if (certBytes != null && keyBytes != null) {
        KeyStore ks = KeyStore.getInstance("PKCS12");
        ks.load(null, null);
        char[] none = new char[0];
        ks.setKeyEntry(
            "client",
            privateKey(keyBytes),
            none,
            certificates(certBytes).toArray(new Certificate[0]));
        kmf = KeyManagerFactory.getInstance(KeyManagerFactory.getDefaultAlgorithm());
        kmf.init(ks, none);
      }
      SSLContext ctx = SSLContext.getInstance("TLS");
      ctx.init(kmf == null ? null : kmf.getKeyManagers(), tmf.getTrustManagers(), null);
      List<Object> identity = new ArrayList<>();
      identity.add("pem");
      identity.add(caBytes == null ? null : Base64.getEncoder().encodeToString(caBytes));
      identity.add(certBytes == null ? null : Base64.getEncoder().encodeToString(certBytes));
      identity.add(keyBytes == null ? null : Integer.valueOf(java.util.Arrays.hashCode(keyBytes)));
      return new Setup(ctx, identity);
    } catch (IOException e) {
      throw new ConfigurationException(
          "cannot read the TLS files (ca, cert, key): "
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage());
    } catch (GeneralSecurityException | IllegalArgumentException e) {
      throw new ConfigurationException(
          "invalid TLS files (ca, cert, key must be PEM; the key PKCS#8): "
              + e.getClass().getSimpleName());
    }
  }

  private static List<Certificate> certificates(byte[] pem) throws GeneralSecurityException {
    CertificateFactory cf = CertificateFactory.getInstance("X.509");
    List<Certificate> out = new ArrayList<>(cf.generateCertificates(new ByteArrayInputStream(pem)));
    if (out.isEmpty()) {
      throw new GeneralSecurityException("no certificate");
    }
    return out;
  }

  private static PrivateKey privateKey(byte[] pem) throws GeneralSecurityException {
    String text = new String(pem, StandardCharsets.US_ASCII);
    int begin = text.indexOf("-----BEGIN PRIVATE KEY-----");
    int end = text.indexOf("-----END PRIVATE KEY-----");
    if (begin < 0 || end < begin) {
      throw new GeneralSecurityException("not a PKCS#8 PEM key");
    }
    byte[] der = Base64.getMimeDecoder().decode(text.substring(begin + 27, end));
    PKCS8EncodedKeySpec spec = new PKCS8EncodedKeySpec(der);
    GeneralSecurityException last = null;
    for (String alg : new String[] {"RSA", "EC", "Ed25519"}) {
      try {
        return KeyFactory.getInstance(alg).generatePrivate(spec);
      } catch (GeneralSecurityException e) {
        last = e;
      }
    }
    throw last;
  }
}
