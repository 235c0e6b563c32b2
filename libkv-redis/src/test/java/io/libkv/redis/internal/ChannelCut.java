package io.libkv.redis.internal;

import io.lettuce.core.resource.ClientResources;
import io.lettuce.core.resource.DefaultClientResources;
import io.lettuce.core.resource.NettyCustomizer;
import io.netty.channel.Channel;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Cuts one store off, for deployments where its connections cannot go through a {@code TcpProxy}
 * (the sentinels name the primary's own address, a cluster its nodes'): every connection of the
 * store's Lettuce resources is closed, and new ones are closed as soon as they are made, until
 * {@link #restore()} — what the proxy does to the connections through it.
 */
final class ChannelCut implements NettyCustomizer {
  private final Set<Channel> open = ConcurrentHashMap.newKeySet();
  private volatile boolean cut;
  private final ClientResources resources =
      DefaultClientResources.builder()
          .ioThreadPoolSize(2)
          .computationThreadPoolSize(1)
          .nettyCustomizer(this)
          .build();

  /** The resources to open the store on. */
  ClientResources resources() {
    return resources;
  }

  @Override
  public void afterChannelInitialized(Channel channel) {
    if (cut) {
      channel.close();
      return;
    }
    open.add(channel);
    channel.closeFuture().addListener(f -> open.remove(channel));
    if (cut) {
      channel.close();
    }
  }

  void cut() {
    cut = true;
    for (Channel c : open) {
      c.close();
    }
  }

  void restore() {
    cut = false;
  }

  void shutdown() {
    resources.shutdown();
  }
}
