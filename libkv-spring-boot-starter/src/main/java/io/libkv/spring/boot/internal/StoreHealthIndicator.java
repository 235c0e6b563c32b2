package io.libkv.spring.boot.internal;

import io.libkv.ConnectionState;
import io.libkv.KVException;
import io.libkv.Store;
import io.libkv.StoreStatus;
import java.util.LinkedHashMap;
import java.util.Map;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;

/**
 * A store's health from its {@link Store#status()}: DOWN when the connection is suspended or lost,
 * when every member the backend asked is down, when the status cannot be read, or when the store is
 * closed; UP otherwise. Details: store, backend, connection, server version, members.
 */
final class StoreHealthIndicator implements HealthIndicator {
  private final Store store;

  StoreHealthIndicator(Store store) {
    this.store = store;
  }

  @Override
  public Health health() {
    StoreStatus status;
    try {
      status = store.status();
    } catch (IllegalStateException e) {
      return Health.down()
          .withDetail("store", store.description())
          .withDetail("closed", true)
          .build();
    } catch (KVException e) {
      return Health.down(e).withDetail("store", store.description()).build();
    }
    Health.Builder h = new Health.Builder();
    boolean connected =
        status.connection() == ConnectionState.CONNECTED
            || status.connection() == ConnectionState.RECONNECTED;
    boolean anyMemberUp =
        status.members().isEmpty()
            || status.members().stream().anyMatch(m -> m.health() != StoreStatus.Health.DOWN);
    if (connected && anyMemberUp) {
      h.up();
    } else {
      h.down();
    }
    h.withDetail("store", status.store())
        .withDetail("backend", status.backend())
        .withDetail("connection", status.connection().name());
    status.serverVersion().ifPresent(v -> h.withDetail("serverVersion", v));
    if (!status.members().isEmpty()) {
      Map<String, String> members = new LinkedHashMap<>();
      status.members().forEach(m -> members.put(m.endpoint(), m.toString()));
      h.withDetail("members", members);
    }
    return h.build();
  }
}
