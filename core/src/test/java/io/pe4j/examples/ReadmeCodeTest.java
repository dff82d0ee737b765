package io.pe4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * README.md's Java blocks marked {@code <!-- snippet: PATH#NAME -->} are the tagged regions of
 * sources the build compiles and runs ({@code EmbeddingExampleTest}, {@code NioHostTest}): editing
 * the README's text without the source fails here.
 */
class ReadmeCodeTest {

  private static final Pattern SNIPPET =
      Pattern.compile("<!-- snippet: (\\S+)#(\\S+) -->\\n```java\\n(.*?)```", Pattern.DOTALL);

  @Test
  void readmeJavaBlocksAreCompiledCode() throws IOException {
    Path root = Path.of("..");
    String readme = Files.readString(root.resolve("README.md"), StandardCharsets.UTF_8);
    Matcher m = SNIPPET.matcher(readme);
    List<String> checked = new ArrayList<>();
    while (m.find()) {
      assertEquals(
          region(root.resolve(m.group(1)), m.group(2)),
          m.group(3),
          "README's block from " + m.group(1) + "#" + m.group(2) + " has drifted");
      checked.add(m.group(2));
    }
    assertTrue(checked.containsAll(List.of("embed", "host")), "blocks checked: " + checked);
  }

  /** The lines between {@code tag::NAME[]} and {@code end::NAME[]}, common indentation removed. */
  private static String region(Path file, String name) throws IOException {
    List<String> out = new ArrayList<>();
    boolean in = false;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.contains("end::" + name + "[]")) {
        in = false;
      } else if (in) {
        out.add(line);
      } else if (line.contains("tag::" + name + "[]")) {
        in = true;
      }
    }
    assertTrue(!out.isEmpty(), "no region " + name + " in " + file);
    int indent =
        out.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    StringBuilder sb = new StringBuilder();
    for (String l : out) {
      sb.append(l.length() >= indent ? l.substring(indent) : l.strip()).append('\n');
    }
    return sb.toString();
  }
}
