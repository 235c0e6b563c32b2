package io.libkv.cli;

import io.libkv.Store;
import java.io.InputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine;

/**
 * One run of the {@code libkv} command: its streams, environment and signal handling, the picocli
 * set-up, and the single place where failures become a {@code libkv: } line and an exit code.
 *
 * <p>{@link Main} makes one over the process's streams; tests make one over byte buffers.
 */
final class Cli {
  private final InputStream in;
  private final Output out;
  private final PrintStream err;
  private final Map<String, String> env;
  private final boolean interactiveErr;
  private final boolean processStdio;
  private final Termination termination = new Termination();
  private boolean verbose;
  // tests reach the store a command opened (to inject faults into a memory store)
  private Consumer<Store> onOpen = s -> {};

  /**
   * A run over the given streams.
   *
   * @param processStdio whether the streams are the process's own (child processes then inherit
   *     them); in-process tests pass false and get a child's output copied into their buffers
   */
  Cli(
      InputStream in,
      OutputStream out,
      PrintStream err,
      Map<String, String> env,
      boolean interactiveErr,
      boolean processStdio) {
    this.processStdio = processStdio;
    this.in = in;
    this.out = new Output(out);
    this.err = err;
    this.env = Map.copyOf(env);
    this.interactiveErr = interactiveErr;
  }

  InputStream in() {
    return in;
  }

  Output out() {
    return out;
  }

  PrintStream err() {
    return err;
  }

  /** An environment variable; an empty one counts as unset. */
  @Nullable String env(String name) {
    String v = env.get(name);
    return v == null || v.isEmpty() ? null : v;
  }

  /** Whether stderr is a terminal (progress displays go there only then). */
  boolean interactiveErr() {
    return interactiveErr;
  }

  /** Whether stdin/stdout/stderr are the process's own. */
  boolean processStdio() {
    return processStdio;
  }

  Termination termination() {
    return termination;
  }

  boolean verbose() {
    return verbose;
  }

  void verbose(boolean v) {
    verbose = v;
  }

  /** Calls {@code listener} with each store this run opens (tests inject faults through it). */
  void onOpen(Consumer<Store> listener) {
    onOpen = listener;
  }

  void opened(Store store) {
    onOpen.accept(store);
  }

  /** Says something on stderr only with {@code --verbose}. */
  void debug(String message) {
    if (verbose) {
      err.println("libkv: " + message);
      err.flush();
    }
  }

  /** Parses and runs one command line; returns the exit code. Never throws. */
  int run(String... args) {
    int code;
    try {
      code = commandLine(args).execute(args);
    } catch (RuntimeException | Error e) {
      code = fail(e);
    }
    try {
      out.flush();
    } catch (CliException e) {
      code = code == 0 ? fail(e) : code;
    }
    err.flush();
    return code;
  }

  /** Reports a failure as one stderr line and returns its exit code. */
  int fail(Throwable t) {
    if (t instanceof CliException && ((CliException) t).isQuiet() && !verbose) {
      return ExitCodes.of(t);
    }
    err.println("libkv: " + ExitCodes.message(t));
    if (verbose) {
      t.printStackTrace(err);
    }
    err.flush();
    return ExitCodes.of(t);
  }

  /**
   * The picocli model for {@code args}. Building a subcommand's model costs reflection and class
   * loading at every start, so only the command named on the line is added; without one (help,
   * usage errors) all are.
   */
  CommandLine commandLine(String... args) {
    CommandLine cl = new CommandLine(new LibkvCommand(this));
    String named = commandName(args);
    if (named != null) {
      cl.addSubcommand(
          named,
          Objects.requireNonNull(LibkvCommand.COMMANDS.get(named))
              .get()); // commandName returns only its keys
    } else {
      LibkvCommand.COMMANDS.forEach((name, make) -> cl.addSubcommand(name, make.get()));
    }
    cl.setOut(
        new PrintWriter(
            new java.io.OutputStreamWriter(new OutputAdapter(out), StandardCharsets.UTF_8), true));
    cl.setErr(new PrintWriter(new java.io.OutputStreamWriter(err, StandardCharsets.UTF_8), true));
    cl.setExecutionExceptionHandler((e, cmd, parsed) -> fail(e));
    cl.setExecutionStrategy(
        parsed -> {
          Integer help = CommandLine.executeHelpRequest(parsed);
          if (help != null) {
            return help;
          }
          try {
            refuseOutputFormatThatCannotApply(parsed);
          } catch (CliException e) {
            return fail(e);
          }
          return new CommandLine.RunLast().execute(parsed);
        });
    cl.setParameterExceptionHandler(
        (e, badArgs) -> {
          String hint = e.getCommandLine().getCommandSpec().qualifiedName();
          String suggest = "";
          String message = ExitCodes.message(e);
          if (e instanceof CommandLine.UnmatchedArgumentException) {
            CommandLine.UnmatchedArgumentException u = (CommandLine.UnmatchedArgumentException) e;
            List<String> s = u.getSuggestions();
            if (u.isUnknownOption()) {
              suggest = s.isEmpty() ? "" : "; did you mean " + String.join(" or ", s) + "?";
            } else if (!e.getCommandLine().getSubcommands().isEmpty()
                && !u.getUnmatched().isEmpty()) {
              // the word where a command (or a bolt subcommand) belongs names none
              String name = u.getUnmatched().get(0);
              String parent = hint.equals("libkv") ? "" : hint.substring("libkv ".length()) + " ";
              message = "unknown command '" + parent + name + "'";
              suggest = commandSuggestions(name, e.getCommandLine().getSubcommands().keySet());
            }
          }
          err.println("libkv: " + message + suggest + " (see '" + hint + " --help')");
          err.flush();
          return ExitCodes.USAGE;
        });
    return cl;
  }

  /**
   * {@code -o}/{@code --json} on a command with nothing to print, {@code -o table} on one without a
   * table, and two different formats are refused, never ignored.
   */
  private static void refuseOutputFormatThatCannotApply(CommandLine.ParseResult parsed) {
    List<CommandLine> commands = parsed.asCommandLineList();
    CommandLine last = commands.get(commands.size() - 1);
    LibkvCommand root = (LibkvCommand) commands.get(0).getCommand();
    Object command = last.getCommand();
    if (root.conflictingOutput != null) {
      throw CliException.usage(
          root.outputOption
              + " and "
              + root.conflictingOutput
              + " ask for two output formats: give one");
    }
    if (root.outputOption == null || last == commands.get(0)) {
      return;
    }
    String name = last.getCommandSpec().qualifiedName();
    if (!(command instanceof JsonLines && ((JsonLines) command).printsJson())) {
      throw CliException.usage(
          root.outputOption + " does not apply to '" + name + "': it prints no result of its own");
    }
    if (root.table()
        && !(command instanceof TableOutput && ((TableOutput) command).printsTable())) {
      throw CliException.usage(
          "-o table does not apply to '"
              + name
              + "' run this way: tables are for"
              + " listings and records printed at once, not for streams or raw values (use -o text or -o json)");
    }
  }

  /**
   * The commands close to a mistyped name (at most a third of their letters differ, a swap of two
   * neighbours counting as one): picocli's own guesses compare letter pairs, which misses swaps
   * ("wacth") and proposes unrelated names for a word that is no typo at all.
   */
  static String commandSuggestions(String typed, java.util.Collection<String> commands) {
    List<String> close = new java.util.ArrayList<>();
    for (String c : commands) {
      if (editDistance(typed, c) <= Math.max(1, c.length() / 3)) {
        close.add(c);
      }
    }
    return close.isEmpty() ? "" : "; did you mean " + String.join(" or ", close) + "?";
  }

  /** Edits (insert, delete, replace, swap two neighbours) that turn {@code a} into {@code b}. */
  private static int editDistance(String a, String b) {
    int[][] d = new int[a.length() + 1][b.length() + 1];
    for (int i = 0; i <= a.length(); i++) {
      for (int j = 0; j <= b.length(); j++) {
        if (i == 0 || j == 0) {
          d[i][j] = i + j;
          continue;
        }
        int cost = a.charAt(i - 1) == b.charAt(j - 1) ? 0 : 1;
        d[i][j] = Math.min(d[i - 1][j - 1] + cost, Math.min(d[i - 1][j], d[i][j - 1]) + 1);
        if (i > 1
            && j > 1
            && a.charAt(i - 1) == b.charAt(j - 2)
            && a.charAt(i - 2) == b.charAt(j - 1)) {
          d[i][j] = Math.min(d[i][j], d[i - 2][j - 2] + 1);
        }
      }
    }
    return d[a.length()][b.length()];
  }

  /** The first argument naming a command, skipping the global options before it; null if none. */
  static @Nullable String commandName(String... args) {
    for (int i = 0; i < args.length; i++) {
      String a = args[i];
      if (a.equals("--store") || a.equals("-o") || a.equals("--output")) {
        i++; // its value
      } else if (!a.startsWith("-")) {
        return LibkvCommand.COMMANDS.containsKey(a) ? a : null;
      } else if (a.equals("--")) {
        return null;
      }
    }
    return null;
  }

  /** Lets picocli's help text go through the same buffered stdout as everything else. */
  private static final class OutputAdapter extends OutputStream {
    private final Output out;

    OutputAdapter(Output out) {
      this.out = out;
    }

    @Override
    public void write(int b) {
      out.bytes(new byte[] {(byte) b});
    }

    @Override
    public void write(byte[] b, int off, int len) {
      byte[] copy = new byte[len];
      System.arraycopy(b, off, copy, 0, len);
      out.bytes(copy);
    }

    @Override
    public void flush() {
      out.flush();
    }
  }
}
