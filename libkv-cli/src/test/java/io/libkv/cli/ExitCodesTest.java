package io.libkv.cli;

import static org.assertj.core.api.Assertions.assertThat;

import io.libkv.BackendNotSupportedException;
import io.libkv.CallNotSupportedException;
import io.libkv.ConfigurationException;
import io.libkv.KVException;
import io.libkv.ListingChangedException;
import io.libkv.LockLostException;
import io.libkv.StoreCorruptedException;
import io.libkv.StoreLockedException;
import io.libkv.StoreUnavailableException;
import io.libkv.TransactionTooLargeException;
import io.libkv.UnknownOutcomeException;
import java.lang.reflect.Constructor;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** The failure-to-exit-code mapping of docs/cli.md; the most specific type wins. */
class ExitCodesTest {
  @Test
  void storeConditionsMapToTheirCodes() throws Exception {
    assertThat(ExitCodes.of(make(StoreUnavailableException.class))).isEqualTo(3);
    assertThat(ExitCodes.of(make(UnknownOutcomeException.class)))
        .as("more specific than unavailable")
        .isEqualTo(5);
    assertThat(ExitCodes.of(make(ListingChangedException.class)))
        .as("a list to try again later")
        .isEqualTo(3);
    assertThat(ExitCodes.of(make(CallNotSupportedException.class))).isEqualTo(4);
    assertThat(ExitCodes.of(make(TransactionTooLargeException.class)))
        .as("nothing was sent: invalid input")
        .isEqualTo(2);
    assertThat(ExitCodes.of(make(ConfigurationException.class))).isEqualTo(2);
    assertThat(ExitCodes.of(make(BackendNotSupportedException.class))).isEqualTo(2);
    assertThat(ExitCodes.of(make(StoreCorruptedException.class))).isEqualTo(5);
    assertThat(ExitCodes.of(make(StoreLockedException.class))).isEqualTo(5);
    assertThat(ExitCodes.of(new KVException("other", null))).isEqualTo(5);
    assertThat(ExitCodes.of(make(LockLostException.class)))
        .as("more specific than cannot-lock")
        .isEqualTo(5);
    assertThat(ExitCodes.of(new IllegalArgumentException("bad"))).isEqualTo(2);
    assertThat(ExitCodes.of(new IllegalStateException("bug"))).isEqualTo(5);
    assertThat(ExitCodes.of(new CliException(127, "cannot run"))).isEqualTo(127);
  }

  /**
   * Each docs/errors.md entry names its type first and its exit code in brackets at its first
   * paragraph's end.
   */
  @Test
  void docsErrorsMdShowsTheCodeEachTypeExitsWith() throws Exception {
    Path doc = Path.of(System.getProperty("libkv.repo.root"), "docs", "errors.md");
    String text = Files.readString(doc);
    Matcher entry = Pattern.compile("(?ms)^## ([a-z-]+)\\n`(\\w+)`(.*?)(?=^## |\\z)").matcher(text);
    Map<String, Integer> documented = new LinkedHashMap<>();
    Map<String, Integer> mapped = new LinkedHashMap<>();
    while (entry.find()) {
      String firstParagraph = entry.group(3).split("\n\\s*\n", 2)[0];
      Matcher code = Pattern.compile("\\[(\\d)\\]\\s*$").matcher(firstParagraph);
      assertThat(code.find())
          .as(
              "docs/errors.md#%s's first paragraph ends with its exit code in brackets",
              entry.group(1))
          .isTrue();
      @SuppressWarnings("unchecked")
      Class<? extends Throwable> type =
          (Class<? extends Throwable>) Class.forName("io.libkv." + entry.group(2));
      documented.put(entry.group(1), Integer.parseInt(code.group(1)));
      mapped.put(entry.group(1), ExitCodes.of(make(type)));
    }
    assertThat(documented).as("entries read from docs/errors.md").hasSizeGreaterThan(10);
    assertThat(mapped)
        .as("what the command exits with, by docs/errors.md entry")
        .isEqualTo(documented);
  }

  @Test
  void messagesAreOneLine() {
    assertThat(ExitCodes.message(new RuntimeException("a\nb\r\n c"))).isEqualTo("a b c");
    assertThat(ExitCodes.message(new NullPointerException())).isEqualTo("NullPointerException");
  }

  /** Builds an exception through whichever public constructor it has, with nulls and a message. */
  private static Throwable make(Class<? extends Throwable> type) throws Exception {
    Constructor<?> c =
        Arrays.stream(type.getConstructors())
            .min((a, b) -> a.getParameterCount() - b.getParameterCount())
            .orElseThrow();
    Object[] args = new Object[c.getParameterCount()];
    Class<?>[] types = c.getParameterTypes();
    for (int i = 0; i < args.length; i++) {
      if (types[i] == String.class) {
        args[i] = "m";
      } else if (types[i] == long.class) {
        args[i] = 1L;
      } else if (types[i] == int.class) {
        args[i] = 1;
      } else if (types[i] == java.time.Duration.class) {
        args[i] = java.time.Duration.ofSeconds(1);
      } else if (types[i] == java.util.List.class) {
        args[i] = java.util.List.of();
      }
    }
    return (Throwable) c.newInstance(args);
  }
}
