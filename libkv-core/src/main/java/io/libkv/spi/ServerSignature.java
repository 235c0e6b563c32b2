package io.libkv.spi;

import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;

/**
 * How a backend's server is told apart at an endpoint, declared by its provider ({@link
 * StoreProvider#serverSignature()}) for {@link EndpointProbe}: when a client of any backend cannot
 * connect, the probe says which installed backend's server answered instead.
 *
 * @param name the server's name in messages, e.g. {@code "etcd"}
 * @param server the phrase naming one, with its article, e.g. {@code "an etcd server"}
 * @param request the plain-text request that makes it answer, sent after the probe's HTTP/1
 *     request; empty when its answer to that HTTP/1 request tells it
 * @param answer what its answer contains (group 1, when it matched, is its version); for a server
 *     whose API is plain HTTP/1 ({@code plainHttp}), unused
 * @param scheme the URI form to suggest, e.g. {@code "etcd://"}
 * @param tlsHint how to ask for TLS with this backend, e.g. {@code "etcds://"}
 * @param plainHttp whether its API is plain HTTP/1, so that an HTTP/1 answer no other signature
 *     claims may be it
 */
public record ServerSignature(
    String name,
    String server,
    Optional<String> request,
    Pattern answer,
    String scheme,
    String tlsHint,
    boolean plainHttp) {
  /** Checks that every component is given. */
  public ServerSignature {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(server, "server");
    Objects.requireNonNull(request, "request");
    Objects.requireNonNull(answer, "answer");
    Objects.requireNonNull(scheme, "scheme");
    Objects.requireNonNull(tlsHint, "tlsHint");
  }
}
