package io.libkv.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.ParentCommand;
import picocli.CommandLine.Unmatched;

/**
 * {@code bolt bench [flags]}: Go's {@code bolt bench}, delegated to {@link BoltBench}; its lines go
 * to stderr as Go's do. Go-style flags ({@code -count 1000}) pass through untouched, so this
 * command has no picocli options of its own.
 */
@Command(
    name = "bench",
    description = {
      "Go's bolt bench: -write-mode seq|rnd|seq-nest|rnd-nest, -read-mode seq|rnd, -count,",
      "-batch-size, -key-size, -value-size, -fill-percent, -no-sync, -path, -work, -no-warmup.",
      "Untimed warm-up runs (5 s; -no-warmup skips them) come first, so the JVM is warm.",
      "Prints '# Write' and '# Read' lines on stderr."
    })
final class BoltBenchCommand implements Callable<Integer> {
  @ParentCommand BoltCommand bolt;

  @Unmatched List<String> flags = new ArrayList<>();

  @Override
  public Integer call() {
    BoltBench.Options options = BoltBench.parse(flags.toArray(new String[0]));
    Cli cli = bolt.root.cli;
    BoltBench.Result r = BoltBench.run(options, cli.err());
    cli.err().println(r.writeLine());
    cli.err().println(r.readLine());
    cli.err().println();
    cli.err().flush();
    return ExitCodes.OK;
  }
}
