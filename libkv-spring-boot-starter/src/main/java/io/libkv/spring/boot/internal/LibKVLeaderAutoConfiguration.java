package io.libkv.spring.boot.internal;

import io.libkv.Store;
import io.libkv.spring.boot.LeaderCallback;
import io.libkv.spring.boot.LeaderElection;
import io.libkv.spring.boot.LibKVProperties;
import io.libkv.spring.boot.LibKVPropertyException;
import java.time.Duration;
import java.util.UUID;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.AnyNestedCondition;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Conditional;

/**
 * The {@link LeaderElection} bean, from {@code libkv.leader.*}, calling the application's {@link
 * LeaderCallback} beans; made when any {@code libkv.leader.*} property is set or when there are
 * callbacks (which then need the key: settings and callbacks that could never take effect are an
 * error, not ignored).
 */
@AutoConfiguration(after = LibKVAutoConfiguration.class)
@Conditional(LibKVLeaderAutoConfiguration.Wanted.class)
public class LibKVLeaderAutoConfiguration {
  /** The election. */
  @Bean
  @ConditionalOnMissingBean(LeaderElection.class)
  public LeaderElection libkvLeaderElection(
      Store store, LibKVProperties properties, ObjectProvider<LeaderCallback> callbacks) {
    LibKVProperties.Leader p = properties.getLeader();
    String key = p.getKey();
    if (key == null || key.isBlank()) {
      throw new LibKVPropertyException(
          "libkv.leader.key",
          "not set, but libkv.leader.* settings or LeaderCallback beans are given, which take"
              + " effect only in the election of that key",
          null);
    }
    String node = p.getNodeId();
    LeaderElection.Builder b;
    try {
      b = LeaderElection.builder(store, key, node == null ? "node-" + UUID.randomUUID() : node);
    } catch (IllegalArgumentException e) {
      throw new LibKVPropertyException("libkv.leader.node-id", String.valueOf(e.getMessage()), e);
    }
    Duration ttl = p.getTtl();
    if (ttl != null) {
      b.ttl(ttl);
    }
    callbacks.orderedStream().forEach(b::callback);
    return b.build();
  }

  /** A libkv.leader.* property is set, or the application has callbacks. */
  static final class Wanted extends AnyNestedCondition {
    Wanted() {
      super(ConfigurationPhase.REGISTER_BEAN);
    }

    @ConditionalOnProperty("libkv.leader.key")
    static final class KeySet {}

    @ConditionalOnProperty("libkv.leader.node-id")
    static final class NodeIdSet {}

    @ConditionalOnProperty("libkv.leader.ttl")
    static final class TtlSet {}

    @ConditionalOnBean(LeaderCallback.class)
    static final class HasCallbacks {}
  }
}
