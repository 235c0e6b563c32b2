package io.libkv.spring.boot.readme;

import static java.nio.charset.StandardCharsets.UTF_8;

import io.libkv.KeyNotFoundException;
import io.libkv.Store;
import io.libkv.recipes.election.Leadership;
import io.libkv.spring.boot.LeaderCallback;
import java.util.OptionalLong;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.stereotype.Component;
import org.springframework.stereotype.Service;

/** The README's Spring Boot example, as written there: keep the two in step. */
@SpringBootApplication
public class BillingApplication {
  /** Feature flags kept in the store. */
  @Service
  public static class FeatureFlags {
    private final Store store;

    FeatureFlags(Store store) {
      this.store = store;
    }

    /** Whether a flag is on. */
    public boolean enabled(String flag) {
      try {
        return "on".equals(new String(store.get("flags/" + flag).value(), UTF_8));
      } catch (KeyNotFoundException e) {
        return false;
      }
    }

    /** Turns a flag on or off. */
    public void set(String flag, boolean on) {
      store.put("flags/" + flag, (on ? "on" : "off").getBytes(UTF_8));
    }
  }

  /** The invoice run: only the leader does it. */
  @Component
  public static class InvoiceRun implements LeaderCallback {
    private volatile OptionalLong term = OptionalLong.empty();

    @Override
    public void elected(Leadership leadership) {
      term = OptionalLong.of(leadership.term()); // start the work; stamp its writes with the term
    }

    @Override
    public void deposed(Leadership leadership) {
      term = OptionalLong.empty(); // stop the work before returning
    }

    /** The term this node leads in, if it leads. */
    public OptionalLong term() {
      return term;
    }
  }
}
