package io.libkv.cli;

import io.libkv.Capabilities;
import io.libkv.Durations;
import io.libkv.InvalidKeyException;
import io.libkv.Keys;
import io.libkv.Store;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.MalformedInputException;
import java.nio.file.Files;
import java.nio.file.NoSuchFileException;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/**
 * {@code import [FILE]}: export's JSON lines back into the store. Every line is validated (JSON
 * shape, key rules, base64, the backend's limits) before the first write, so bad input writes
 * nothing; then the keys are written in batches through {@link Store#putAll}.
 */
@Command(
    name = "import",
    mixinStandardHelpOptions = true,
    description = {
      "Reads JSON lines {\"key\",\"value\"(base64)[,\"lastIndex\"][,\"ttl\"]} from FILE or stdin",
      "and writes them, overwriting. Every line is checked before the first write (an error names",
      "the line). lastIndex and ttl are checked and ignored: imported keys are plain keys."
    })
final class ImportCommand extends StoreCommand {
  /** Keys per {@code putAll}: one transaction each where the backend has them. */
  static final int BATCH = 1000;

  private static final Set<String> FIELDS = Set.of("key", "value", "lastIndex", "ttl");

  @Parameters(index = "0", arity = "0..1", paramLabel = "FILE", description = "Default: stdin.")
  @Nullable Path file;

  private final List<String> keys = new ArrayList<>();
  private final List<byte[]> values = new ArrayList<>();
  private final List<Integer> lineNumbers = new ArrayList<>();

  @Override
  void prepare() throws IOException {
    InputStream in;
    try {
      in = file == null ? cli().in() : Files.newInputStream(file);
    } catch (NoSuchFileException e) {
      throw CliException.usage("cannot read " + file + ": no such file");
    } catch (IOException e) {
      throw CliException.usage("cannot read " + file + ": " + ValueInput.describe(e));
    }
    BufferedReader r = Json.lines(in);
    int n = 0;
    try {
      String line;
      while ((line = r.readLine()) != null) {
        n++;
        if (line.isBlank()) {
          continue;
        }
        parseLine(n, line);
      }
    } catch (MalformedInputException e) {
      throw CliException.usage("line " + (n + 1) + ": not valid UTF-8");
    } finally {
      if (file != null) {
        in.close();
      }
    }
  }

  private void parseLine(int n, String line) {
    Map<String, Object> m;
    try {
      m = Json.parseFlatObject(line);
    } catch (Json.JsonException e) {
      throw bad(n, e.getMessage());
    }
    for (String f : m.keySet()) {
      if (!FIELDS.contains(f)) {
        throw bad(n, "unexpected field \"" + f + "\" (expected key, value, lastIndex, ttl)");
      }
    }
    Object key = m.get("key");
    Object value = m.get("value");
    if (!(key instanceof String)) {
      throw bad(n, "\"key\" must be a string");
    }
    if (!(value instanceof String)) {
      throw bad(n, "\"value\" must be a base64 string");
    }
    if (m.containsKey("lastIndex") && !(m.get("lastIndex") instanceof Long)) {
      throw bad(n, "\"lastIndex\" must be an integer");
    }
    if (m.containsKey("ttl")) {
      if (!(m.get("ttl") instanceof String)) {
        throw bad(n, "\"ttl\" must be a duration string such as \"15s\"");
      }
      try {
        Durations.parse((String) m.get("ttl"));
      } catch (IllegalArgumentException e) {
        throw bad(n, "\"ttl\": " + e.getMessage());
      }
    }
    String canonical;
    try {
      canonical = Keys.canonicalKey((String) key);
    } catch (InvalidKeyException e) {
      throw bad(n, e.getMessage());
    }
    byte[] bytes;
    try {
      bytes = Base64.getDecoder().decode((String) value);
    } catch (IllegalArgumentException e) {
      throw bad(n, "\"value\" is not valid base64: " + e.getMessage());
    }
    keys.add(canonical);
    values.add(bytes);
    lineNumbers.add(n);
  }

  private static CliException bad(int line, @Nullable String why) {
    return CliException.usage("line " + line + ": " + why);
  }

  @Override
  int run(Store store) {
    checkLimits(store.capabilities());
    boolean progress = cli().interactiveErr();
    int total = keys.size();
    for (int start = 0; start < total; start += BATCH) {
      int end = Math.min(total, start + BATCH);
      Map<String, byte[]> batch = new LinkedHashMap<>();
      for (int i = start; i < end; i++) {
        batch.remove(keys.get(i)); // a later line for the same key wins, in its place
        batch.put(keys.get(i), values.get(i));
      }
      store.putAll(batch);
      if (progress) {
        cli().err().print("\rimported " + end + "/" + total);
        cli().err().flush();
      }
    }
    if (progress && total > 0) {
      cli().err().println();
    }
    return ExitCodes.OK;
  }

  /** The backend's own limits, checked for every line before anything is written. */
  private void checkLimits(Capabilities caps) {
    for (int i = 0; i < keys.size(); i++) {
      String k = keys.get(i);
      if (Keys.utf8Length(k) > caps.maxKeyBytes()) {
        throw bad(
            lineNumbers.get(i),
            "key \""
                + k
                + "\" is over the "
                + caps.backend()
                + " limit of "
                + caps.maxKeyBytes()
                + " UTF-8 bytes");
      }
      int[] cps = k.codePoints().toArray();
      for (int cp : cps) {
        if (!caps.allowsKeyCodePoint(cp)) {
          throw bad(
              lineNumbers.get(i),
              "key \""
                  + k
                  + "\" holds U+"
                  + String.format("%04X", cp)
                  + ", which "
                  + caps.backend()
                  + " does not allow in keys");
        }
      }
      if (values.get(i).length > caps.maxValueBytes()) {
        throw bad(
            lineNumbers.get(i),
            "value of \""
                + k
                + "\" is "
                + values.get(i).length
                + " bytes, over the "
                + caps.backend()
                + " limit of "
                + caps.maxValueBytes()
                + " bytes");
      }
    }
  }
}
