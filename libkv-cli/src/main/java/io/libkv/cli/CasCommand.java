package io.libkv.cli;

import io.libkv.KVPair;
import io.libkv.Keys;
import io.libkv.Store;
import io.libkv.WriteOptions;
import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.ArgGroup;
import picocli.CommandLine.Command;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;

/** {@code cas KEY VALUE --index N | --create}: a compare-and-set; prints the new index. */
@Command(
    name = "cas",
    mixinStandardHelpOptions = true,
    description = {
      "Writes KEY only if its index is still N (--index N), or only if it is absent (--create).",
      "Prints the new index. Conflict or missing key: exit 1."
    })
final class CasCommand extends StoreCommand implements JsonLines, TableOutput {
  @Parameters(index = "0", paramLabel = "KEY")
  String key;

  @Parameters(
      index = "1",
      arity = "0..1",
      paramLabel = "VALUE",
      description = "The value as text; - reads stdin.")
  @Nullable String value;

  @Option(names = "--file", paramLabel = "F", description = "Read the value from a file.")
  @Nullable Path file;

  @Option(names = "--base64", paramLabel = "B64", description = "The value in base64.")
  @Nullable String base64;

  @ArgGroup(exclusive = true, multiplicity = "1")
  Condition condition;

  /** The condition: one of the two. */
  static final class Condition {
    @Option(
        names = "--index",
        paramLabel = "N",
        required = true,
        description = "The index the key must still have.")
    @Nullable Long index;

    @Option(names = "--create", required = true, description = "Create only if absent.")
    boolean create;
  }

  private byte[] bytes = new byte[0];

  @Override
  void prepare() {
    if (condition.index != null && condition.index <= 0) {
      throw CliException.usage("--index must be a positive index, was " + condition.index);
    }
    bytes = ValueInput.read(cli(), value, file, base64);
  }

  @Override
  int run(Store store) {
    KVPair written;
    if (condition.create) {
      written = store.atomicCreate(key, bytes, WriteOptions.DEFAULT);
    } else {
      // backends compare only the index of the previous pair
      // without --create the group holds --index
      KVPair previous =
          KVPair.of(Keys.canonicalKey(key), new byte[0], Objects.requireNonNull(condition.index));
      written = store.atomicPut(key, bytes, previous, WriteOptions.DEFAULT);
    }
    if (table()) {
      new Table("KEY", "LAST_INDEX").row(written.key(), written.lastIndex()).print(out());
      return ExitCodes.OK;
    }
    out()
        .line(
            json()
                ? Json.object()
                    .field("key", written.key())
                    .field("lastIndex", written.lastIndex())
                    .toString()
                : Long.toString(written.lastIndex()));
    return ExitCodes.OK;
  }
}
