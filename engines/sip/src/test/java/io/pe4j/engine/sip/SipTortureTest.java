package io.pe4j.engine.sip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * Runs the engine over the RFC 4475 and RFC 5118 torture messages in {@code testdata/sip-torture},
 * byte-exact, against {@code torture-expected.tsv}.
 */
class SipTortureTest {

  static Path tortureDir() {
    return Paths.get(System.getProperty("pe4j.testdata", "../../testdata"), "sip-torture");
  }

  static List<String[]> expectations() throws IOException {
    List<String[]> rows = new ArrayList<>();
    try (BufferedReader r =
        new BufferedReader(
            new InputStreamReader(
                Objects.requireNonNull(
                    SipTortureTest.class.getResourceAsStream("torture-expected.tsv")),
                StandardCharsets.UTF_8))) {
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.startsWith("#") && !line.isBlank()) {
          rows.add(line.split("\t", 2));
        }
      }
    }
    return rows;
  }

  static Stream<Arguments> messages() throws IOException {
    return expectations().stream().map(row -> Arguments.of(row[0], row[1]));
  }

  @ParameterizedTest(name = "{0}")
  @MethodSource("messages")
  void tortureMessage_givesTheExpectedOutcome(String file, String expected) throws IOException {
    byte[] bytes = Files.readAllBytes(tortureDir().resolve(file));
    assertEquals(expected, Sip.outcome(Sip.ENGINE, bytes), file);
  }

  @Test
  void everyTortureFile_hasAnExpectation() throws IOException {
    List<String> listed =
        expectations().stream().map(r -> r[0]).sorted().collect(Collectors.toList());
    List<String> present;
    try (Stream<Path> files = Files.list(tortureDir())) {
      present =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".sip"))
              .sorted()
              .collect(Collectors.toList());
    }
    assertTrue(
        present.size() >= 60, "torture corpus not found at " + tortureDir().toAbsolutePath());
    assertEquals(present, listed);
  }
}
