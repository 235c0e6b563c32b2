package io.libkv.spring.boot.readme;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import io.libkv.Store;
import io.libkv.spring.boot.LeaderElection;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import org.junit.jupiter.api.Test;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.health.contributor.HealthContributor;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.boot.test.context.SpringBootTest;

/** The README's application on {@code memory:}, started by Spring Boot as a user would. */
@SpringBootTest(properties = "spring.config.name=readme-app")
class ReadmeApplicationTest {
  @Autowired Store store;
  @Autowired BillingApplication.FeatureFlags flags;
  @Autowired BillingApplication.InvoiceRun invoices;
  @Autowired LeaderElection election;
  @Autowired HealthContributor libkvHealthContributor;

  @Test
  void theReadmeShowsThisApplicationsYaml() throws Exception {
    Path root = Path.of(System.getProperty("libkv.repo.root", ".."));
    String yaml;
    try (InputStream in = getClass().getResourceAsStream("/readme-app.yaml")) {
      yaml = new String(in.readAllBytes(), StandardCharsets.UTF_8);
    }
    assertThat(Files.readString(root.resolve("README.md")))
        .contains("```yaml\n" + yaml + "```\n")
        .contains("public static class InvoiceRun implements LeaderCallback {");
  }

  @Test
  void theApplicationUsesTheStoreLeadsAndIsHealthy() {
    assertThat(store.description()).isEqualTo("memory:billing");
    assertThat(flags.enabled("dark-mode")).isFalse();
    flags.set("dark-mode", true);
    assertThat(flags.enabled("dark-mode")).isTrue();

    assertThat(election.key()).isEqualTo("services/billing/leader");
    await().atMost(Duration.ofSeconds(10)).until(() -> invoices.term().isPresent());
    assertThat(election.leadership().orElseThrow().term()).isEqualTo(invoices.term().getAsLong());

    assertThat(((HealthIndicator) libkvHealthContributor).health().getStatus())
        .isEqualTo(Status.UP);
  }
}
