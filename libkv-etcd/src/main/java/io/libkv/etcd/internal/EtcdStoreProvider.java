package io.libkv.etcd.internal;

import io.grpc.ManagedChannel;
import io.grpc.netty.GrpcSslContexts;
import io.libkv.ConfigurationException;
import io.libkv.Secret;
import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.spi.ServerSignature;
import io.libkv.spi.StoreLocation;
import io.libkv.spi.StoreProvider;
import io.netty.handler.ssl.ApplicationProtocolConfig;
import io.netty.handler.ssl.ApplicationProtocolNames;
import io.netty.handler.ssl.ClientAuth;
import io.netty.handler.ssl.IdentityCipherSuiteFilter;
import io.netty.handler.ssl.JdkSslContext;
import io.netty.handler.ssl.SslContext;
import io.netty.handler.ssl.SslContextBuilder;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Function;
import java.util.regex.Pattern;

/**
 * The {@code etcd:} and {@code etcds:} backend: {@code etcd://h:p[,h:p...][/prefix]}, TLS with
 * {@code etcds://} or the {@code tls}/{@code ca}/{@code cert}/{@code key} parameters (or an {@code
 * SSLContext} in {@link StoreConfig}), user name and password (from {@code passwordFile} or {@link
 * StoreConfig#password()}), failover across every endpoint.
 */
public final class EtcdStoreProvider implements StoreProvider {
  /** etcd's client port, for endpoints given without one. */
  public static final int DEFAULT_PORT = 2379;

  // its HTTP/1 /version answer names the server's version
  private static final ServerSignature SIGNATURE =
      new ServerSignature(
          "etcd",
          "an etcd server",
          Optional.empty(),
          Pattern.compile("\"etcdserver\"\\s*:\\s*\"([^\"]*)\""),
          "etcd://",
          "etcds://",
          false);

  /** Made by {@link java.util.ServiceLoader}. */
  public EtcdStoreProvider() {}

  @Override
  public String name() {
    return "etcd";
  }

  @Override
  public Set<String> schemes() {
    return Set.of("etcd", "etcds");
  }

  @Override
  public Set<String> tlsSchemes() {
    return Set.of("etcds");
  }

  @Override
  public Set<String> parameters() {
    return Set.of(
        "connectTimeout",
        "timeout",
        "tls",
        "ca",
        "cert",
        "key",
        "username",
        "passwordFile",
        "maxValueBytes");
  }

  @Override
  public String example() {
    return "etcd://127.0.0.1:2379";
  }

  @Override
  public Optional<ServerSignature> serverSignature() {
    return Optional.of(SIGNATURE);
  }

  @Override
  public Store open(StoreLocation location, StoreConfig config) {
    if (location.endpoints().isEmpty()) {
      throw new ConfigurationException(
          "etcd needs at least one endpoint: etcd://host:port[,host:port...][/prefix], "
              + "not "
              + location.describe());
    }
    String prefix = location.prefix(config, "etcd");
    List<String> endpoints = new ArrayList<>();
    for (String e : location.endpoints()) {
      endpoints.add(e.matches(".*:\\d+$") && !e.endsWith("]") ? e : e + ":" + DEFAULT_PORT);
    }
    boolean tls = "etcds".equals(location.scheme()) || config.tls();
    String description =
        (tls ? "etcds" : "etcd")
            + "://"
            + String.join(",", endpoints)
            + (prefix.isEmpty() ? "" : "/" + prefix);

    Optional<SslContext> ssl = tls ? Optional.of(sslContext(config)) : Optional.empty();
    CallGuard guard = new CallGuard(config.operationTimeout());
    boolean auth = config.username().isPresent();
    Optional<Rpc.User> user = Optional.empty();
    if (auth) {
      Secret pw =
          config
              .password()
              .orElseThrow(
                  () ->
                      new ConfigurationException(
                          "etcd user "
                              + config.username().get()
                              + " needs a password: passwordFile parameter or StoreConfig.password"));
      user = Optional.of(new Rpc.User(config.username().get(), pw));
    }
    Rpc rpc =
        Rpc.connect(
            endpoints, ssl, config.connectTimeout(), guard, user, config.operationTimeout());
    // the stall watch's own connections, one to each member, set up as the store's
    Function<String, ManagedChannel> channelTo = e -> Rpc.channelTo(e, endpoints, ssl);
    return new EtcdStore(rpc, guard, description, endpoints, prefix, config, tls, auth, channelTo);
  }

  private static SslContext sslContext(StoreConfig config) {
    if (config.sslContext().isPresent()) {
      // gRPC needs HTTP/2 negotiated by ALPN, which the JDK's own TLS supports
      return new JdkSslContext(
          config.sslContext().get(),
          true,
          null,
          IdentityCipherSuiteFilter.INSTANCE,
          new ApplicationProtocolConfig(
              ApplicationProtocolConfig.Protocol.ALPN,
              ApplicationProtocolConfig.SelectorFailureBehavior.NO_ADVERTISE,
              ApplicationProtocolConfig.SelectedListenerFailureBehavior.ACCEPT,
              ApplicationProtocolNames.HTTP_2),
          ClientAuth.NONE,
          null,
          false);
    }
    try {
      SslContextBuilder sb = GrpcSslContexts.forClient();
      Optional<Path> ca = config.caFile();
      if (ca.isPresent()) {
        sb.trustManager(readable(ca.get(), "ca").toFile());
      }
      if (config.certFile().isPresent()) {
        sb.keyManager(
            readable(config.certFile().get(), "cert").toFile(),
            readable(config.keyFile().orElseThrow(), "key").toFile());
      }
      return sb.build();
    } catch (ConfigurationException e) {
      throw e;
    } catch (Exception e) {
      throw new ConfigurationException(
          "cannot set up TLS for etcd from the ca, cert and key files ("
              + e.getClass().getSimpleName()
              + ": "
              + e.getMessage()
              + "); the key must be PEM, PKCS#8 or PKCS#1 RSA");
    }
  }

  private static Path readable(Path p, String param) {
    if (!Files.isReadable(p)) {
      throw new ConfigurationException(param + ": cannot read " + p);
    }
    return p;
  }
}
