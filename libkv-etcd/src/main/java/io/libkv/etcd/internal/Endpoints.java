package io.libkv.etcd.internal;

import io.grpc.EquivalentAddressGroup;
import io.grpc.NameResolver;
import io.grpc.NameResolverProvider;
import io.grpc.NameResolverRegistry;
import io.grpc.Status;
import io.grpc.StatusOr;
import io.libkv.spi.EndpointProbe;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.URI;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The store's endpoints as gRPC's name resolver gives them: one address group per endpoint, in the
 * order given, with every address its host name resolves to, so the round robin ({@link
 * AvoidingRoundRobin}) has one subchannel per member. The list travels with the channel as a
 * resolver argument rather than in the target, which is a URI: an IPv6 literal is no valid URI
 * path.
 */
final class Endpoints extends NameResolverProvider {
  /** The target's scheme. */
  static final String SCHEME = "libkv-etcd";

  /** The channel's target: the endpoints themselves are {@link #LIST}. */
  static final String TARGET = SCHEME + ":///etcd";

  /** The endpoints ({@code host:port}), as a resolver argument of the channel. */
  static final NameResolver.Args.Key<List<String>> LIST =
      NameResolver.Args.Key.create("libkv-etcd-endpoints");

  private static volatile boolean registered;

  /** Makes the resolver known to gRPC, once. */
  static synchronized void register() {
    if (!registered) {
      NameResolverRegistry.getDefaultRegistry().register(new Endpoints());
      registered = true;
    }
  }

  @Override
  protected boolean isAvailable() {
    return true;
  }

  @Override
  protected int priority() {
    return 5;
  }

  @Override
  public String getDefaultScheme() {
    return SCHEME;
  }

  @Override
  public Collection<Class<? extends SocketAddress>> getProducedSocketAddressTypes() {
    return List.of(InetSocketAddress.class);
  }

  @Override
  public @Nullable NameResolver newNameResolver(URI target, NameResolver.Args args) {
    List<String> endpoints = args.getArg(LIST);
    if (!SCHEME.equals(target.getScheme()) || endpoints == null || endpoints.isEmpty()) {
      return null;
    }
    return new Resolver(endpoints);
  }

  private static final class Resolver extends NameResolver {
    private final List<String> endpoints;
    private @Nullable Listener2 listener;

    Resolver(List<String> endpoints) {
      this.endpoints = List.copyOf(endpoints);
    }

    @Override
    public String getServiceAuthority() {
      return endpoints.get(0);
    }

    @Override
    public void start(Listener2 l) {
      this.listener = l;
      resolve();
    }

    @Override
    public void refresh() {
      resolve();
    }

    private void resolve() {
      // gRPC starts a resolver before it refreshes it
      Listener2 listener = Objects.requireNonNull(this.listener);
      List<EquivalentAddressGroup> groups = new ArrayList<>();
      for (String e : endpoints) {
        List<SocketAddress> addresses = new ArrayList<>();
        try {
          for (InetAddress a : InetAddress.getAllByName(EndpointProbe.host(e))) {
            addresses.add(new InetSocketAddress(a, EndpointProbe.port(e)));
          }
        } catch (UnknownHostException ex) {
          continue; // the other members serve meanwhile; gRPC resolves again when a connection
          // fails
        }
        groups.add(new EquivalentAddressGroup(addresses));
      }
      if (groups.isEmpty()) {
        listener.onError(
            Status.UNAVAILABLE.withDescription(
                "no etcd endpoint's host name resolves: " + endpoints));
      } else {
        listener.onResult(
            ResolutionResult.newBuilder().setAddressesOrError(StatusOr.fromValue(groups)).build());
      }
    }

    @Override
    public void shutdown() {
      // nothing held
    }
  }
}
