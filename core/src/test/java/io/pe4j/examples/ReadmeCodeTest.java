package io.pe4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.scenarios.Snippets;
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
 * sources the build compiles and runs ({@code EmbeddingExampleTest}, {@code NioHostTest}, the
 * testkit's consumer project), and every Java block is marked: editing the README's text without
 * the source fails here.
 */
class ReadmeCodeTest {

  private static final Pattern SNIPPET =
      Pattern.compile("<!-- snippet: (\\S+)#(\\S+) -->\\n```\\w*\\n(.*?)```", Pattern.DOTALL);

  @Test
  void readmeJavaBlocksAreCompiledCode() throws IOException {
    Path root = Path.of("..");
    String readme = Files.readString(root.resolve("README.md"), StandardCharsets.UTF_8);
    Matcher m = SNIPPET.matcher(readme);
    List<String> checked = new ArrayList<>();
    while (m.find()) {
      assertEquals(
          Snippets.region(root.resolve(m.group(1)), m.group(2)),
          m.group(3),
          "README's block from " + m.group(1) + "#" + m.group(2) + " has drifted");
      checked.add(m.group(2));
    }
    assertTrue(
        checked.containsAll(List.of("embed", "host", "contract", "nearMisses", "bom")),
        "blocks checked: " + checked);
    assertEquals(
        readme.split("```java").length - 1,
        checked.stream().filter(n -> !n.equals("bom")).count(),
        "a Java block in README without a snippet marker: " + checked);
  }
}
