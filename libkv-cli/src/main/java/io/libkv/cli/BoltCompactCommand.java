package io.libkv.cli;

import io.libkv.bolt.BoltDB;
import io.libkv.bolt.BoltException;
import io.libkv.bolt.BoltOptions;
import io.libkv.bolt.BoltStateException;
import java.nio.file.Files;
import java.nio.file.Path;
import picocli.CommandLine.Command;
import picocli.CommandLine.Parameters;

/** {@code bolt compact SRC DST}: a compacted copy; bbolt files never shrink in place. */
@Command(
    name = "compact",
    mixinStandardHelpOptions = true,
    description = "Writes a compacted copy of SRC to DST (which must not exist). SRC is only read.")
final class BoltCompactCommand extends BoltFileCommand {
  @Parameters(index = "0", paramLabel = "SRC")
  Path src;

  @Parameters(index = "1", paramLabel = "DST")
  Path dst;

  @Override
  public Integer call() {
    if (Files.exists(dst)) {
      throw CliException.usage("compaction target " + dst + " already exists");
    }
    // the same checks and messages as every bolt command, before anything is written
    BoltFiles.openReadOnly(src).close();
    try {
      BoltDB.compact(src, dst, BoltOptions.defaults());
    } catch (BoltStateException e) {
      throw CliException.usage(e.getMessage());
    } catch (BoltException e) {
      throw new CliException(
          ExitCodes.OTHER, "compacting " + src + " failed: " + e.getMessage(), e);
    }
    return ExitCodes.OK;
  }
}
