/**
 * The {@code libkv} command. Exports nothing: the command line (docs/cli.md) is its interface, and
 * programs use {@code io.libkv} directly.
 */
module io.libkv.cli {
  // @NullMarked/@Nullable are read at compile time only
  requires static org.jspecify;
  requires io.libkv;
  requires io.libkv.bolt;
  requires io.libkv.recipes;
  requires info.picocli;
  requires java.logging;
  // libc's _exit for a quick end of a finished command (FastExit)
  requires com.sun.jna;

  // picocli reads and sets the annotated fields of the commands reflectively
  opens io.libkv.cli to
      info.picocli;
}
