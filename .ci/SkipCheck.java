import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;

/** Fails when a test report shows a skipped test that the allow-list does not name. */
public class SkipCheck {
  private static final Pattern CASE = Pattern.compile(
      "<testcase\\b([^>]*?)(?:/>|>(.*?)</testcase>)", Pattern.DOTALL);
  private static final Pattern ATTR = Pattern.compile("(name|classname)=\"([^\"]*)\"");

  public static void main(String[] args) throws IOException {
    Map<String, String> allowed = new LinkedHashMap<>();
    for (String line : Files.readAllLines(Path.of(args[0]))) {
      if (line.isBlank() || line.startsWith("#")) {
        continue;
      }
      String[] parts = line.split("\t", 2);
      if (parts.length < 2 || parts[1].isBlank()) {
        System.err.println("ci: allow-list entry without a reason: " + line);
        System.exit(1);
      }
      allowed.put(parts[0].trim(), parts[1].trim());
    }
    List<Path> reports = new ArrayList<>();
    try (Stream<Path> s = Files.walk(Path.of(args[1]))) {
      s.filter(p -> p.getFileName().toString().matches("TEST-.*\\.xml"))
          .filter(p -> p.toString().contains("surefire-reports") || p.toString().contains("failsafe-reports"))
          .forEach(reports::add);
    }
    int cases = 0;
    List<String> bad = new ArrayList<>();
    for (Path r : reports) {
      Matcher m = CASE.matcher(Files.readString(r));
      while (m.find()) {
        cases++;
        String body = m.group(2);
        if (body == null || !body.contains("<skipped")) {
          continue;
        }
        String name = "";
        String cls = "";
        Matcher a = ATTR.matcher(m.group(1));
        while (a.find()) {
          if (a.group(1).equals("name")) {
            name = a.group(2);
          } else {
            cls = a.group(2);
          }
        }
        String id = cls + "#" + name;
        if (!allowed.containsKey(id) && !allowed.containsKey(cls + "#*")) {
          bad.add(id);
        }
      }
    }
    System.out.println("ci: " + reports.size() + " test reports, " + cases + " test cases, "
        + bad.size() + " skipped outside the allow-list");
    if (cases == 0) {
      System.err.println("ci: no test ran");
      System.exit(1);
    }
    if (!bad.isEmpty()) {
      bad.forEach(b -> System.err.println("ci: skipped and not allowed: " + b));
      System.exit(1);
    }
  }
}
