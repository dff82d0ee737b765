package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.cli.CliTest.Run;
import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.MethodSource;

/**
 * {@code pe4j extract} over the 65 real-world captures of {@code ../shared/testdata/sip-pcaps}
 * against the expected outputs committed in {@code src/test/resources/captures} (each compared
 * there with Wireshark's dissector, see {@code cli/tools/expected-captures.py}), and over the
 * unconverted originals, which must give the same lines as their converted copies. Runs where the
 * captures lie beside the checkout (the {@code captures} profile turns itself on).
 */
@Tag("captures")
class CaptureCorpusTest {

  static final Path CAPTURES =
      Path.of(System.getProperty("pe4j.shared", "../../shared"), "testdata", "sip-pcaps");

  static Stream<String> expectedFiles() throws IOException {
    try (Stream<Path> files = Files.list(CAPTURES)) {
      List<String> names =
          files
              .map(p -> p.getFileName().toString())
              .filter(n -> n.endsWith(".pcap"))
              .sorted()
              .toList();
      assertEquals(65, names.size(), "captures in " + CAPTURES);
      return names.stream();
    }
  }

  @ParameterizedTest
  @MethodSource("expectedFiles")
  void capture_givesItsExpectedLines(String name) throws IOException {
    List<String> expected = new ArrayList<>();
    String summary = "";
    try (InputStream in =
        CaptureCorpusTest.class.getResourceAsStream("/captures/" + name + ".expected")) {
      assertTrue(in != null, "no expected output committed for " + name);
      for (String line : new String(in.readAllBytes(), StandardCharsets.US_ASCII).split("\n")) {
        if (line.startsWith("summary\t")) {
          summary = line.substring(8);
        } else if (!line.startsWith("#")) {
          expected.add(line);
        }
      }
    }
    Path file = CAPTURES.resolve(name);
    Run r = CliTest.run("extract", "--engine", "sip", "--pcap", file.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(String.join("\n", expected), String.join("\n", lines(r.out(), file)));
    assertEquals(file + ": " + summary + "\n", r.err());
  }

  @ParameterizedTest
  @CsvSource({
    "DTMFsipinfo.pcap, DTMFsipinfo.pcap", // Ethernet + PPPoE + PPP
    "b2bua-asterisk.pcapng, b2bua-asterisk.pcap",
    "erspan_sip_ipv4_udp.pcapng, erspan_sip_ipv4_udp.pcap",
    "gre.pcap, gre-vlan-sip.pcap", // pcapng named .pcap
    "h263-over-rtp.pcap, h263-over-rtp.pcap", // BSD loopback
    "sip-488-codec-reject.pcapng, sip-488-codec-reject.pcap",
    "sip-auth-failure.pcapng, sip-auth-failure.pcap",
    "sip-long-request-response-paths.pcap, sip-long-request-response-paths.pcap", // link type 228
    "sip-routing-error.pcapng, sip-routing-error.pcap",
    "sip_hello.pcapng, sip_hello.pcap",
    "sipp-branch-scenario.pcapng, sipp-branch-scenario.pcap"
  })
  void original_givesTheLinesOfItsConvertedCopy(String original, String converted) {
    Path o = CAPTURES.resolve("originals").resolve(original);
    Path c = CAPTURES.resolve(converted);
    Run fromOriginal = CliTest.run("extract", "--engine", "sip", "--pcap", o.toString());
    Run fromCopy = CliTest.run("extract", "--engine", "sip", "--pcap", c.toString());
    assertEquals(0, fromOriginal.code(), fromOriginal.err());
    assertEquals(lines(fromCopy.out(), c), lines(fromOriginal.out(), o));
    // the same frames, counted by the same reasons
    assertEquals(
        fromCopy.err().substring(c.toString().length()),
        fromOriginal.err().substring(o.toString().length()));
    assertTrue(!fromCopy.err().contains(": 0 frames"), fromCopy.err());
  }

  @Test
  void networkMonitorOriginal_isRefusedSayingHowToConvertIt() {
    Path netmon = CAPTURES.resolve("originals").resolve("c07-sip-r2.cap");
    Run r = CliTest.run("extract", "--engine", "sip", "--pcap", netmon.toString());
    assertEquals(2, r.code());
    assertEquals(
        netmon
            + ": a Microsoft Network Monitor capture: not read here; convert it with: editcap -F"
            + " pcapng IN OUT\n",
        r.err());
  }

  private static List<String> lines(String out, Path file) {
    String prefix = file + "#";
    List<String> lines = new ArrayList<>();
    for (String line : out.split("\n")) {
      if (!line.isEmpty()) {
        assertTrue(line.startsWith(prefix), line);
        lines.add(line.substring(prefix.length()));
      }
    }
    return lines;
  }
}
