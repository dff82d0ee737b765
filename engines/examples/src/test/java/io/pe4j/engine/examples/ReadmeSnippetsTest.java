package io.pe4j.engine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.scenarios.Snippets;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/** Every code block of README.md equals the tagged region of the compiled source it names. */
class ReadmeSnippetsTest {

  private static final Pattern SNIPPET =
      Pattern.compile("<!-- snippet: (\\S+)#(\\S+) -->\\n```\\w*\\n(.*?)```", Pattern.DOTALL);

  @Test
  void readmeCodeBlocks_matchTheirSources() throws IOException {
    String readme = Files.readString(Path.of("README.md"), StandardCharsets.UTF_8);
    Matcher m = SNIPPET.matcher(readme);
    int blocks = 0;
    while (m.find()) {
      String region = Snippets.region(Path.of(m.group(1)), m.group(2));
      assertEquals(
          region,
          m.group(3),
          "README block from " + m.group(1) + "#" + m.group(2) + " has drifted");
      blocks++;
    }
    assertEquals(
        readme.split("```\\w").length - 1, blocks, "a code block without a snippet marker");
    assertTrue(blocks >= 6, "expected the guide's six blocks, found " + blocks);
  }
}
