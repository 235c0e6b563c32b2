package io.libkv.redis.internal;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.libkv.Store;
import io.libkv.StoreConfig;
import io.libkv.redis.RedisOptions;
import io.libkv.spi.StoreLocation;
import io.libkv.testkit.StoreCompatibilityKit;
import io.libkv.testkit.StoreFaults;
import io.libkv.testkit.servers.RedisServer;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

/**
 * What the Redis deployments' kits share: a killed session is the store's sessions removed from the
 * server's sessions set (as their deadline passing would: every open store then deletes their
 * keys), compacted history is the change stream trimmed to nothing, and a store is cut off by
 * closing its connections and every new one ({@link ChannelCut}) unless a subclass puts a proxy in
 * between.
 */
abstract class RedisKit extends StoreCompatibilityKit {
  private final Map<Store, ChannelCut> cuts = new ConcurrentHashMap<>();

  /** Every store's resources, shut down once the class is done (their threads are daemons). */
  private static final List<ChannelCut> ALL = new java.util.concurrent.CopyOnWriteArrayList<>();

  @org.junit.jupiter.api.AfterAll
  static void shutdownResources() {
    ALL.forEach(ChannelCut::shutdown);
    ALL.clear();
  }

  /** The options of a new client, timeouts below the kit's operation bound (10 s). */
  protected abstract RedisOptions.Builder options();

  /** The server that holds the stores' data now (for administrative commands). */
  protected abstract RedisServer dataServer();

  protected static StoreConfig config() {
    return StoreConfig.builder()
        .operationTimeout(Duration.ofSeconds(8))
        .connectTimeout(Duration.ofSeconds(8))
        .build();
  }

  @Override
  protected Store openStore() {
    ChannelCut cut = new ChannelCut();
    ALL.add(cut);
    RedisOptions o = options().build();
    Store s = RedisStore.open(o, StoreLocation.of("redis", o.endpoints(), ""), cut.resources());
    cuts.put(s, cut);
    return s;
  }

  @Override
  protected Duration baseTtl() {
    return RedisStore.MIN_EPHEMERAL_TTL;
  }

  /** Cuts {@code store} off; by default by closing its connections. */
  protected void cutOff(Store store) {
    cuts.get(store).cut();
  }

  /** Undoes {@link #cutOff(Store)}. */
  protected void reconnect(Store store) {
    cuts.get(store).restore();
  }

  @Override
  protected StoreFaults faults() {
    return new StoreFaults() {
      @Override
      public void killSession(Store store) {
        RedisStore r = (RedisStore) store;
        List<String> args = new ArrayList<>();
        args.add("ZREM");
        args.add(new String(r.sessionsKey(), UTF_8));
        args.addAll(r.sessionIds());
        if (args.size() > 2) {
          dataServer().cli(args.toArray(new String[0]));
        }
      }

      @Override
      public void compactHistory(Store store) {
        dataServer()
            .cli("XTRIM", new String(((RedisStore) store).streamKey(), UTF_8), "MAXLEN", "0");
      }

      @Override
      public void cutOff(Store store) {
        RedisKit.this.cutOff(store);
      }

      @Override
      public void reconnect(Store store) {
        RedisKit.this.reconnect(store);
      }
    };
  }
}
