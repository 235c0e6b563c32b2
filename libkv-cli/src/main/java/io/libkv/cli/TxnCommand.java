package io.libkv.cli;

import io.libkv.InvalidKeyException;
import io.libkv.KVPair;
import io.libkv.Keys;
import io.libkv.Store;
import io.libkv.Transaction;
import io.libkv.TransactionResult;
import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.MalformedInputException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Base64;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Stack;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.ArgSpec;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Model.OptionSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/**
 * {@code txn}: conditions and operations from options (in the order given) or JSON lines on stdin,
 * committed all or nothing through {@link Store#commit}.
 */
@Command(
    name = "txn",
    mixinStandardHelpOptions = true,
    description = {
      "Commits writes atomically: all of them if every condition holds, else none.",
      "Options in the order given, or with - JSON lines on stdin (see docs/cli.md).",
      "Committed: prints 'committed INDEX', then 'put KEY INDEX' / 'delete KEY' lines (exit 0).",
      "A condition failed: prints 'failed CONDITION', then 'current KEY INDEX VALUE' for each",
      "compared key that exists, where the backend read them with the failure (exit 1)."
    })
final class TxnCommand extends StoreCommand implements JsonLines {
  // the fields only show the options in help: InOrder records every occurrence in steps
  @Option(
      names = "--if-absent",
      paramLabel = "KEY",
      parameterConsumer = InOrder.class,
      description = "Condition: KEY does not exist.")
  List<String> ifAbsent = new ArrayList<>();

  @Option(
      names = "--if-present",
      paramLabel = "KEY",
      parameterConsumer = InOrder.class,
      description = "Condition: KEY exists.")
  List<String> ifPresent = new ArrayList<>();

  @Option(
      names = "--if-index",
      paramLabel = "KEY=N",
      parameterConsumer = InOrder.class,
      description = "Condition: KEY exists with last index N.")
  List<String> ifIndex = new ArrayList<>();

  @Option(
      names = "--put",
      paramLabel = "KEY=VALUE",
      parameterConsumer = InOrder.class,
      description = "Writes VALUE (text) to KEY.")
  List<String> put = new ArrayList<>();

  @Option(
      names = "--put-base64",
      paramLabel = "KEY=B64",
      parameterConsumer = InOrder.class,
      description = "Writes the value B64 (standard base64) to KEY.")
  List<String> putBase64 = new ArrayList<>();

  @Option(
      names = "--delete",
      paramLabel = "KEY",
      parameterConsumer = InOrder.class,
      description = "Deletes KEY (an absent key is no failure).")
  List<String> delete = new ArrayList<>();

  @Option(
      names = "--cas-delete",
      paramLabel = "KEY=N",
      parameterConsumer = InOrder.class,
      description = "Deletes KEY if its last index is N (a condition and a delete).")
  List<String> casDelete = new ArrayList<>();

  @Parameters(
      index = "0",
      arity = "0..1",
      // a label of "-" alone would leave the completion script's generator an empty name
      paramLabel = "STDIN",
      description = "Only -: read the transaction as JSON lines from stdin instead of options.")
  @Nullable String stdin;

  /** Every option occurrence, in command-line order: its name and its value. */
  final List<String[]> steps = new ArrayList<>();

  private @Nullable Transaction transaction;

  /** Records option occurrences in order, which separate list fields would lose. */
  static final class InOrder implements CommandLine.IParameterConsumer {
    @Override
    public void consumeParameters(Stack<String> args, ArgSpec argSpec, CommandSpec spec) {
      String name = ((OptionSpec) argSpec).longestName();
      if (args.isEmpty()) {
        throw new CommandLine.ParameterException(
            spec.commandLine(), "option " + name + " needs a value: " + argSpec.paramLabel());
      }
      ((TxnCommand) spec.userObject()).steps.add(new String[] {name, args.pop()});
    }
  }

  @Override
  void prepare() throws IOException {
    Transaction.Builder b = Transaction.builder();
    if (stdin != null) {
      if (!stdin.equals("-")) {
        throw CliException.usage(
            "txn takes no argument but -, which reads JSON lines from stdin; got \""
                + stdin
                + "\"");
      }
      if (!steps.isEmpty()) {
        throw CliException.usage(
            "give the transaction as options or as JSON lines on stdin (-), not both");
      }
      readLines(b);
    } else {
      for (String[] s : steps) {
        fromOption(b, s[0], s[1]);
      }
    }
    transaction = build(b, stdin != null ? "stdin" : "the options");
  }

  private static Transaction build(Transaction.Builder b, String source) {
    try {
      return b.build();
    } catch (IllegalArgumentException e) {
      String why =
          e.getMessage() != null && e.getMessage().contains("at least one operation")
              ? "a transaction needs at least one operation (--put, --put-base64, --delete,"
                  + " --cas-delete; in JSON lines put or delete)"
              : e.getMessage();
      throw CliException.usage(source + ": " + why);
    }
  }

  private static void fromOption(Transaction.Builder b, String option, String value) {
    String what = option + " " + value;
    switch (option) {
      case "--if-absent" -> b.ifAbsent(key(what, value));
      case "--if-present" -> b.ifPresent(key(what, value));
      case "--delete" -> b.delete(key(what, value));
      case "--if-index" -> b.ifIndex(key(what, before(what, value)), index(what, after(value)));
      case "--cas-delete" -> {
        String k = key(what, before(what, value));
        b.ifIndex(k, index(what, after(value))).delete(k);
      }
      case "--put" -> b.put(key(what, before(what, value)), utf8(after(value)));
      case "--put-base64" -> b.put(key(what, before(what, value)), base64(what, after(value)));
      default -> throw new IllegalStateException("an option without a case: " + option);
    }
  }

  private static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** KEY of KEY=REST: up to the first '=' (a key holding '=' is given in JSON lines). */
  private static String before(String what, String value) {
    int eq = value.indexOf('=');
    if (eq < 0) {
      throw CliException.usage(what + ": expected KEY=..., found no '='");
    }
    return value.substring(0, eq);
  }

  private static String after(String value) {
    return value.substring(value.indexOf('=') + 1);
  }

  private static String key(String what, String key) {
    try {
      Keys.canonicalKey(key);
    } catch (InvalidKeyException e) {
      throw CliException.usage(what + ": " + ExitCodes.message(e));
    }
    return key;
  }

  private static long index(String what, String n) {
    long i;
    try {
      i = Long.parseLong(n);
    } catch (NumberFormatException e) {
      throw CliException.usage(what + ": the index must be a positive integer, was \"" + n + "\"");
    }
    if (i <= 0) {
      throw CliException.usage(what + ": the index must be a positive integer, was " + i);
    }
    return i;
  }

  private static byte[] base64(String what, String b64) {
    try {
      return Base64.getDecoder().decode(b64);
    } catch (IllegalArgumentException e) {
      throw CliException.usage(what + ": not valid base64: " + e.getMessage());
    }
  }

  // ---- JSON lines

  private static final Set<String> CONDITION_FIELDS = Set.of("if", "key", "index");
  private static final Set<String> PUT_FIELDS = Set.of("put", "value", "base64");
  private static final Set<String> DELETE_FIELDS = Set.of("delete", "index");

  private void readLines(Transaction.Builder b) throws IOException {
    BufferedReader r = Json.lines(cli().in());
    int n = 0;
    try {
      for (String line = r.readLine(); line != null; line = r.readLine()) {
        n++;
        if (!line.isBlank()) {
          fromLine(b, "line " + n, line);
        }
      }
    } catch (MalformedInputException e) {
      throw CliException.usage("line " + (n + 1) + ": not valid UTF-8");
    }
  }

  private static void fromLine(Transaction.Builder b, String what, String line) {
    Map<String, Object> m;
    try {
      m = Json.parseFlatObject(line);
    } catch (Json.JsonException e) {
      throw CliException.usage(what + ": " + e.getMessage());
    }
    if (m.containsKey("if")) {
      fields(what, m, CONDITION_FIELDS, "if, key, index");
      String k = key(what, string(what, m, "key"));
      switch (string(what, m, "if")) {
        case "absent" -> b.ifAbsent(noIndex(what, m, k));
        case "present" -> b.ifPresent(noIndex(what, m, k));
        case "index" -> b.ifIndex(k, positive(what, m));
        default ->
            throw CliException.usage(
                what + ": \"if\" must be \"absent\", \"present\" or \"index\"");
      }
    } else if (m.containsKey("put")) {
      fields(what, m, PUT_FIELDS, "put, value, base64");
      String k = key(what, string(what, m, "put"));
      if (m.containsKey("value") == m.containsKey("base64")) {
        throw CliException.usage(what + ": a put needs exactly one of \"value\" and \"base64\"");
      }
      b.put(
          k,
          m.containsKey("value")
              ? utf8(string(what, m, "value"))
              : base64(what, string(what, m, "base64")));
    } else if (m.containsKey("delete")) {
      fields(what, m, DELETE_FIELDS, "delete, index");
      String k = key(what, string(what, m, "delete"));
      if (m.containsKey("index")) {
        b.ifIndex(k, positive(what, m));
      }
      b.delete(k);
    } else {
      throw CliException.usage(
          what + ": expected a condition {\"if\",\"key\"}, {\"put\"} or {\"delete\"}");
    }
  }

  private static void fields(String what, Map<String, Object> m, Set<String> allowed, String list) {
    for (String f : m.keySet()) {
      if (!allowed.contains(f)) {
        throw CliException.usage(what + ": unexpected field \"" + f + "\" (expected " + list + ")");
      }
    }
  }

  private static String string(String what, Map<String, Object> m, String field) {
    Object v = m.get(field);
    if (!(v instanceof String s)) {
      throw CliException.usage(what + ": \"" + field + "\" must be a string");
    }
    return s;
  }

  private static String noIndex(String what, Map<String, Object> m, String key) {
    if (m.containsKey("index")) {
      throw CliException.usage(what + ": \"index\" applies to \"if\":\"index\" only");
    }
    return key;
  }

  private static long positive(String what, Map<String, Object> m) {
    Object v = m.get("index");
    if (!(v instanceof Long i) || i <= 0) {
      throw CliException.usage(what + ": \"index\" must be a positive integer");
    }
    return i;
  }

  // ---- running and printing

  @Override
  int run(Store store) {
    TransactionResult r = store.commit(java.util.Objects.requireNonNull(transaction));
    if (r.committed()) {
      printCommitted(r);
      return ExitCodes.OK;
    }
    printFailed(r);
    return ExitCodes.FALSE;
  }

  private void printCommitted(TransactionResult r) {
    Json.ObjectWriter head = Json.object().field("committed", true);
    r.index().ifPresent(i -> head.field("index", i));
    out().line(json() ? head.toString() : "committed" + indexSuffix(r));
    for (Transaction.Operation o : java.util.Objects.requireNonNull(transaction).operations()) {
      String k = Keys.canonicalKey(o.key());
      if (o instanceof Transaction.Put) {
        long i = java.util.Objects.requireNonNull(r.indexes().get(k), k);
        out()
            .line(
                json()
                    ? Json.object().field("put", k).field("lastIndex", i).toString()
                    : "put " + k + " " + i);
      } else {
        out().line(json() ? Json.object().field("delete", k).toString() : "delete " + k);
      }
    }
  }

  private static String indexSuffix(TransactionResult r) {
    return r.index().isPresent() ? " " + r.index().getAsLong() : "";
  }

  private void printFailed(TransactionResult r) {
    Transaction.Condition c = r.failedCondition().orElseThrow();
    if (json()) {
      Json.ObjectWriter w = Json.object().field("committed", false);
      if (c instanceof Transaction.IndexEquals ie) {
        w.field("if", "index").field("key", c.key()).field("index", ie.index());
      } else {
        w.field("if", c instanceof Transaction.Absent ? "absent" : "present").field("key", c.key());
      }
      out().line(w.field("currentKnown", r.knowsCurrent()).toString());
    } else {
      out().line("failed " + describe(c));
    }
    if (!r.knowsCurrent()) {
      return;
    }
    for (KVPair p : r.currentPairs().values()) {
      out()
          .line(
              json()
                  ? Values.exportLine(p)
                  : "current " + p.key() + " " + p.lastIndex() + " " + Values.text(p.value()));
    }
  }

  /** A condition as the option that asks for it. */
  static String describe(Transaction.Condition c) {
    if (c instanceof Transaction.IndexEquals ie) {
      return "--if-index " + c.key() + "=" + ie.index();
    }
    return (c instanceof Transaction.Absent ? "--if-absent " : "--if-present ") + c.key();
  }
}
