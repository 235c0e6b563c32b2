package io.libkv.cli;

import io.libkv.ConnectionState;
import io.libkv.Store;
import io.libkv.StoreStatus;
import java.util.Locale;
import java.util.Map;
import picocli.CommandLine.Command;

/**
 * {@code status}: the store in force as {@link Store#status()} tells it; exit 3 when the store is
 * not connected or a member is down, so it doubles as a health check.
 */
@Command(
    name = "status",
    mixinStandardHelpOptions = true,
    description = {
      "Prints the store's description, backend, connection state and, where the backend",
      "tells, the server version, members and their health, session or lease state.",
      "Exit 0 when connected and no member is down, else 3. --json: the store's line, then one per member.",
      "-o table: a NAME VALUE table, then a MEMBER HEALTH VERSION LEADER DETAIL table if there are members."
    })
final class StatusCommand extends StoreCommand implements JsonLines, TableOutput {
  @Override
  int run(Store store) {
    StoreStatus s = store.status();
    if (json()) {
      printJson(s);
    } else if (table()) {
      printTables(s);
    } else {
      out().line("store: " + s.store());
      out().line("backend: " + s.backend());
      out().line("connection: " + lower(s.connection()));
      s.serverVersion().ifPresent(v -> out().line("version: " + v));
      for (StoreStatus.Member m : s.members()) {
        out()
            .line(
                "member: "
                    + m.endpoint()
                    + " "
                    + lower(m.health())
                    + m.version().map(v -> " " + v).orElse("")
                    + (m.leader() ? " leader" : "")
                    + m.detail().map(d -> " (" + d + ")").orElse(""));
      }
      for (Map.Entry<String, String> d : s.details().entrySet()) {
        out().line(d.getKey() + ": " + d.getValue());
      }
    }
    boolean down = s.members().stream().anyMatch(m -> m.health() == StoreStatus.Health.DOWN);
    return s.connection() == ConnectionState.CONNECTED && !down
        ? ExitCodes.OK
        : ExitCodes.UNAVAILABLE;
  }

  private static String lower(Enum<?> e) {
    return e.name().toLowerCase(Locale.ROOT);
  }

  /**
   * The text form's facts in a NAME VALUE table; the members, if any, in a table of their own
   * below.
   */
  private void printTables(StoreStatus s) {
    Table facts = new Table("NAME", "VALUE");
    facts
        .row("store", s.store())
        .row("backend", s.backend())
        .row("connection", lower(s.connection()));
    s.serverVersion().ifPresent(v -> facts.row("version", v));
    s.details().forEach(facts::row);
    facts.print(out());
    if (s.members().isEmpty()) {
      return;
    }
    Table members = new Table("MEMBER", "HEALTH", "VERSION", "LEADER", "DETAIL");
    for (StoreStatus.Member m : s.members()) {
      members.row(
          m.endpoint(),
          lower(m.health()),
          m.version().orElse(""),
          m.leader(),
          m.detail().orElse(""));
    }
    out().line("");
    members.print(out());
  }

  /**
   * JSON lines, flat as every command's: the store with its backend facts, then one line per
   * member.
   */
  private void printJson(StoreStatus s) {
    StringBuilder b = new StringBuilder("{");
    field(b, "store", s.store());
    field(b, "backend", s.backend());
    field(b, "connection", lower(s.connection()));
    s.serverVersion().ifPresent(v -> field(b, "version", v));
    s.details().forEach((k, v) -> field(b, k, v));
    out().line(b.append('}').toString());
    for (StoreStatus.Member m : s.members()) {
      StringBuilder l = new StringBuilder("{");
      field(l, "member", m.endpoint());
      field(l, "health", lower(m.health()));
      m.version().ifPresent(v -> field(l, "version", v));
      l.append(",\"leader\":").append(m.leader());
      m.detail().ifPresent(d -> field(l, "detail", d));
      out().line(l.append('}').toString());
    }
  }

  /** Appends {@code "name":"value"}, after a comma unless it is the object's first field. */
  private static void field(StringBuilder b, String name, String value) {
    if (b.charAt(b.length() - 1) != '{') {
      b.append(',');
    }
    Json.quote(b, name);
    b.append(':');
    Json.quote(b, value);
  }
}
