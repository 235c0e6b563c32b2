package io.libkv.spring.boot;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import io.libkv.LibKV;
import io.libkv.Store;
import io.libkv.spring.boot.internal.LibKVAutoConfiguration;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** The password and token bound from libkv.* never show in toString(), messages or logs. */
@ExtendWith(OutputCaptureExtension.class)
class SecretsTest {
  private static final String PASSWORD = "pw-5f1c2d9e";
  private static final String TOKEN = "tok-8a7b6c5d";

  @Test
  void boundSecretsAreUsableButNeverShown() {
    new ApplicationContextRunner()
        .withConfiguration(AutoConfigurations.of(LibKVAutoConfiguration.class))
        .withUserConfiguration(OwnStore.class)
        .withPropertyValues(
            "libkv.username=app", "libkv.password=" + PASSWORD, "libkv.token=" + TOKEN)
        .run(
            ctx -> {
              LibKVProperties p = ctx.getBean(LibKVProperties.class);
              assertThat(p.getPassword()).isNotNull();
              assertThat(p.getPassword().reveal()).isEqualTo(PASSWORD);
              assertThat(p.getToken().reveal()).isEqualTo(TOKEN);
              assertThat(p.toString())
                  .contains("username=app", "password=****", "token=****")
                  .doesNotContain(PASSWORD, TOKEN);
            });
  }

  @Test
  void aFailedStartWithCredentialsLogsNeither(CapturedOutput output) {
    SpringApplication app = new SpringApplication(App.class);
    app.setWebApplicationType(WebApplicationType.NONE);
    assertThatThrownBy(
            () ->
                app.run(
                    "--debug",
                    "--logging.level.io.libkv=TRACE",
                    "--logging.level.org.springframework.boot.context=DEBUG",
                    "--libkv.uri=memory:secrets-refused",
                    "--libkv.username=app",
                    "--libkv.password=" + PASSWORD,
                    "--libkv.token=" + TOKEN))
        .satisfies(
            e -> {
              LibKVPropertyException p = StoreAutoConfigurationTest.startupFailure(e);
              assertThat(p.property()).isEqualTo("libkv.uri");
              assertThat(p.getMessage()).doesNotContain(PASSWORD, TOKEN);
            });
    // the failure was reported, naming the property, and the secrets are nowhere in the output
    assertThat(output.getAll())
        .contains("APPLICATION FAILED TO START", "The libkv property libkv.uri is refused")
        .contains("libkv.uri: ", "do not apply to memory")
        .doesNotContain(PASSWORD, TOKEN);
  }

  @SpringBootConfiguration
  @EnableAutoConfiguration
  static class App {}

  @Configuration(proxyBeanMethods = false)
  static class OwnStore {
    @Bean
    Store ownStore() {
      return LibKV.open("memory:secrets");
    }
  }
}
