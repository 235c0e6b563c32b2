package io.libkv.spring.boot;

import static java.nio.charset.StandardCharsets.UTF_8;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.ConfigurationException;
import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.spring.boot.internal.LibKVAutoConfiguration;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The Store bean: made from {@code libkv.*}, backs off to the application's own, closed on close.
 */
class StoreAutoConfigurationTest {
  private final ApplicationContextRunner runner =
      new ApplicationContextRunner()
          .withConfiguration(AutoConfigurations.of(LibKVAutoConfiguration.class));

  @Test
  void aStoreBeanIsOpenedFromLibkvUri() {
    runner
        .withPropertyValues("libkv.uri=memory:starter-a", "libkv.max-value-bytes=16")
        .run(
            ctx -> {
              assertThat(ctx).hasSingleBean(Store.class);
              Store store = ctx.getBean(Store.class);
              assertThat(store.description()).isEqualTo("memory:starter-a");
              store.put("a/b", "v".getBytes(UTF_8));
              assertThat(store.get("a/b").value()).isEqualTo("v".getBytes(UTF_8));
              // a shared setting bound from its own property takes effect
              assertThat(store.capabilities().maxValueBytes()).isEqualTo(16);
            });
  }

  @Test
  void theApplicationsOwnStoreBeanIsKeptAndNoUriIsNeeded() {
    runner
        .withUserConfiguration(OwnStore.class)
        .run(
            ctx -> {
              assertThat(ctx).hasSingleBean(Store.class);
              assertThat(ctx.getBean(Store.class).description()).isEqualTo("memory:own-store");
            });
  }

  @Test
  void theStoreIsClosedWhenTheContextCloses() {
    AtomicReference<Store> seen = new AtomicReference<>();
    runner
        .withPropertyValues("libkv.uri=memory:starter-close")
        .run(ctx -> seen.set(ctx.getBean(Store.class)));
    assertThatThrownBy(() -> seen.get().get("a")).isInstanceOf(IllegalStateException.class);
  }

  @Test
  void anUnknownSchemeFailsStartupNamingLibkvUri() {
    runner
        .withPropertyValues("libkv.uri=nosuch://127.0.0.1:1/x")
        .run(
            ctx -> {
              LibKVPropertyException e = startupFailure(ctx.getStartupFailure());
              assertThat(e.property()).isEqualTo("libkv.uri");
              assertThat(e.getMessage()).startsWith("libkv.uri: ").contains("nosuch");
              // the libkv condition stays reachable as the cause
              assertThat(e.getCause()).isNotNull();
            });
  }

  @Test
  void aBadUriParameterFailsStartupNamingLibkvUri() {
    runner
        .withPropertyValues("libkv.uri=memory:x?timeout=5")
        .run(
            ctx -> {
              LibKVPropertyException e = startupFailure(ctx.getStartupFailure());
              assertThat(e.property()).isEqualTo("libkv.uri");
              assertThat(e.getMessage()).contains("timeout").endsWith("#configuration)");
              assertThat(e).isInstanceOf(ConfigurationException.class);
            });
  }

  @Test
  void aMissingUriFailsStartupNamingLibkvUri() {
    runner.run(
        ctx -> {
          LibKVPropertyException e = startupFailure(ctx.getStartupFailure());
          assertThat(e.property()).isEqualTo("libkv.uri");
          assertThat(e.getMessage()).contains("not set").contains("memory");
        });
  }

  @Test
  void aRefusedSharedSettingIsNamedByItsProperty(@TempDir Path dir) throws Exception {
    runner
        .withPropertyValues("libkv.uri=memory:x", "libkv.timeout=0s")
        .run(
            ctx ->
                assertThat(startupFailure(ctx.getStartupFailure()).property())
                    .isEqualTo("libkv.timeout"));
    runner
        .withPropertyValues("libkv.uri=memory:x", "libkv.ca=" + dir.resolve("missing.pem"))
        .run(
            ctx -> {
              LibKVPropertyException e = startupFailure(ctx.getStartupFailure());
              assertThat(e.property()).isEqualTo("libkv.ca");
              assertThat(e.getMessage()).contains("does not exist");
            });
    Path pw = Files.writeString(dir.resolve("pw"), "x");
    runner
        .withPropertyValues("libkv.uri=memory:x", "libkv.password=y", "libkv.password-file=" + pw)
        .run(
            ctx -> {
              LibKVPropertyException e = startupFailure(ctx.getStartupFailure());
              assertThat(e.property()).isEqualTo("libkv");
              assertThat(e.getMessage()).contains("exclusive");
            });
  }

  @Test
  void aSettingGivenAsAPropertyAndInTheUriIsRefusedNotOverridden() {
    runner
        .withPropertyValues("libkv.uri=memory:x?maxValueBytes=8", "libkv.max-value-bytes=16")
        .run(
            ctx -> {
              LibKVPropertyException e = startupFailure(ctx.getStartupFailure());
              assertThat(e.property()).isEqualTo("libkv.max-value-bytes");
              assertThat(e.getMessage()).contains("maxValueBytes", "libkv.uri");
            });
  }

  @Test
  void aSettingTheBackendCannotTakeIsRefusedNotIgnored(@TempDir Path dir) throws Exception {
    Path pw = Files.writeString(dir.resolve("pw"), "x");
    runner
        .withPropertyValues("libkv.uri=memory:x", "libkv.username=app", "libkv.password-file=" + pw)
        .run(
            ctx -> {
              LibKVPropertyException e = startupFailure(ctx.getStartupFailure());
              assertThat(e.getMessage()).contains("do not apply to memory");
            });
  }

  static LibKVPropertyException startupFailure(Throwable failure) {
    assertThat(failure).as("startup failure").isNotNull();
    Throwable t = failure;
    while (t != null && !(t instanceof LibKVPropertyException)) {
      t = t.getCause();
    }
    assertThat(t).as("LibKVPropertyException in the causes of %s", failure).isNotNull();
    return (LibKVPropertyException) t;
  }

  @Configuration(proxyBeanMethods = false)
  static class OwnStore {
    @Bean
    Store ownStore() {
      return LibKV.open("memory:own-store");
    }
  }
}
