package io.libkv.cli;

/**
 * The forms a command's result can take ({@code -o FORMAT}); see docs/cli.md, "Output formats". The
 * constants are spelled as they are typed, since picocli lists them in its error for an unknown
 * one.
 */
enum OutputFormat {
  /** The default: each command's own lines. */
  text,
  /** JSON lines, one flat object per line; {@code --json} is the same. */
  json,
  /** Aligned columns under a header, for listings and records printed at once. */
  table
}
