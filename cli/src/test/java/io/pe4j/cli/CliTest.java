package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;

/** Every command through its entry point: output, errors and exit codes. */
class CliTest {

  @TempDir Path dir;

  record Run(int code, String out, String err) {}

  static Run run(String... args) {
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    int code = Pe4j.execute(new PrintWriter(out), new PrintWriter(err), args);
    return new Run(code, out.toString(), err.toString());
  }

  @ParameterizedTest
  @ValueSource(strings = {"engines", "extract", "simulate", "ipvsadm"})
  void everyCommand_hasHelp(String command) {
    Run r = run(command, "--help");
    assertEquals(0, r.code());
    assertTrue(r.out().startsWith("Usage: pe4j " + command), r.out());
  }

  @Test
  void withoutACommand_everyCommandIsNamed() {
    Run r = run();
    assertEquals(Pe4j.USAGE, r.code());
    for (String c : List.of("demo", "doctor", "forward", "ipvsadm", "simulate", "extract")) {
      assertTrue(r.err().contains(c), c + " missing from: " + r.err());
    }
  }

  @Test
  void noCommand_isBadUsage() {
    assertEquals(2, run().code());
    assertEquals(2, run("bogus").code());
  }

  @Test
  void engines_listsNameClassAndDescription() {
    Run r = run("engines");
    assertEquals(0, r.code());
    List<String> names = r.out().lines().map(l -> l.split("\t")[0]).collect(Collectors.toList());
    assertEquals(List.of("gtpu", "quic", "radius", "sip"), names);
    assertTrue(
        r.out().contains("sip\tio.pe4j.engine.sip.SipEngine\tSIP Call-ID (RFC 3261)"), r.out());
  }

  @Test
  void extract_files_valueOrReason() throws IOException {
    Path a = Files.write(dir.resolve("a.sip"), Payloads.sipInvite("abc@h"));
    Path b = Files.write(dir.resolve("b.bin"), new byte[] {0, 1, 2});
    Run r = run("extract", "--engine", "sip", a.toString(), b.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(a + "\tabc@h\n" + b + "\tNONE\tnot SIP\n", r.out());
    assertEquals(
        a + "\t6162634068\n", run("extract", "--engine", "sip", "--hex", a.toString()).out());
  }

  @Test
  void extract_unknownEngine_listsTheKnownOnes() {
    Run r = run("extract", "--engine", "nosuch", "x");
    assertEquals(2, r.code());
    assertEquals(
        "pe4j extract: unknown engine 'nosuch'; known engines: gtpu, quic, radius, sip\n", r.err());
  }

  @Test
  void extract_missingFile_namesIt() {
    Run r = run("extract", "--engine", "sip", dir.resolve("nope.sip").toString());
    assertEquals(2, r.code());
    assertTrue(
        r.err().startsWith(dir.resolve("nope.sip") + ": cannot read: NoSuchFileException"),
        r.err());
  }

  @Test
  void extract_pcap_udpFramesWithTheirNumbers_othersCounted() throws IOException {
    byte[] sip = Payloads.sipInvite("pcap-call@h");
    byte[] capture =
        PcapWriter.ethernet(
            PcapWriter.ipv4Udp("198.51.100.10", 5060, "10.0.0.1", 5060, sip),
            PcapWriter.ipv4Tcp(),
            PcapWriter.ipv6Udp(sip),
            PcapWriter.ipv4Udp(
                "198.51.100.10",
                5060,
                "10.0.0.1",
                5060,
                "\r\n\r\n".getBytes(StandardCharsets.US_ASCII)));
    Path file = Files.write(dir.resolve("c.pcap"), capture);
    Run r = run("extract", "--engine", "sip", "--pcap", file.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(
        file
            + "#1\tpcap-call@h\n"
            + file
            + "#3\tpcap-call@h\n"
            + file
            + "#4\tNONE\tempty or keep-alive\n",
        r.out());
    assertEquals(
        file + ": 4 frames, 3 UDP datagrams listed; not listed: not UDP: TCP 1\n", r.err());
    Path cooked =
        Files.write(
            dir.resolve("sll.pcap"),
            PcapWriter.linuxCooked(PcapWriter.ipv4Udp("192.0.2.1", 1, "192.0.2.2", 2, sip)));
    assertEquals(
        cooked + "#1\tpcap-call@h\n",
        run("extract", "--engine", "sip", "--pcap", cooked.toString()).out());
  }

  @Test
  void extract_truncatedPcap_listsTheCompleteFramesThenSaysWhere() throws IOException {
    byte[] frame =
        PcapWriter.ipv4Udp("198.51.100.10", 5060, "10.0.0.1", 5060, Payloads.sipInvite("x"));
    byte[] capture = PcapWriter.ethernet(frame, frame, frame);
    Path file =
        Files.write(dir.resolve("t.pcap"), java.util.Arrays.copyOf(capture, capture.length - 10));
    Run r = run("extract", "--engine", "sip", "--pcap", file.toString());
    assertEquals(2, r.code());
    assertEquals(file + "#1\tx\n" + file + "#2\tx\n", r.out());
    assertTrue(
        r.err()
            .startsWith(
                file
                    + ": 2 frames, 2 UDP datagrams listed\n"
                    + file
                    + ": truncated in frame 3 (byte offset "),
        r.err());
    Path notPcap =
        Files.write(
            dir.resolve("n.pcap"),
            "hello, this is not a capture".getBytes(StandardCharsets.US_ASCII));
    Run bad = run("extract", "--engine", "sip", "--pcap", notPcap.toString());
    assertEquals(2, bad.code());
    assertEquals(notPcap + ": not a pcap or pcapng file: magic number 0x68656c6c\n", bad.err());
  }

  static Stream<Path> exampleScripts() throws IOException {
    return Files.list(Path.of("examples")).filter(p -> p.toString().endsWith(".pe4j")).sorted();
  }

  @ParameterizedTest
  @MethodSource("exampleScripts")
  void exampleScripts_passTheirExpectations(Path script) {
    Run r = run("simulate", "--expect", script.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains(" => FORWARD "), r.out());
  }

  @Test
  void simulate_printsAVerdictPerDatagram_ipv6InBrackets() throws IOException {
    Path s =
        script(
            "ipvsadm -A -u [2001:db8::1]:5060 -s rr -p 60 --pe sip -o",
            "ipvsadm -a -u [2001:db8::1]:5060 -r [2001:db8:10::1]:5060 -m",
            "at 1.5",
            "udp [2001:0db8:0:0::10]:5060 -> [2001:db8::1]:5060 sip abc@h",
            "udp [2001:db8::10]:5060 -> [2001:db8::9]:5060 text \"hi\"");
    Run r = run("simulate", s.toString());
    assertEquals(0, r.code(), r.err());
    assertEquals(
        "t=1.5 udp [2001:db8::10]:5060 -> [2001:db8::1]:5060 => FORWARD [2001:db8:10::1]:5060\n"
            + "t=1.5 udp [2001:db8::10]:5060 -> [2001:db8::9]:5060 => PASS\n",
        r.out());
  }

  @Test
  void simulate_serverOriginated_isOut() throws IOException {
    Path s =
        script(
            "ipvsadm -A -u 10.0.0.1:5060 -s rr -p 60 --pe sip -o",
            "ipvsadm -a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m",
            "udp 192.168.10.1:5060 -> 198.51.100.10:5060 sip abc@h",
            "expect OUT 10.0.0.1:5060");
    assertEquals(0, run("simulate", "--expect", s.toString()).code());
  }

  @Test
  void simulate_failedExpectation_exits1AndPrintsBoth() throws IOException {
    Path s =
        script(
            "ipvsadm -A -u 10.0.0.1:5060 -s rr",
            "ipvsadm -a -u 10.0.0.1:5060 -r 192.168.10.1 -m",
            "udp 198.51.100.1:1 -> 10.0.0.1:5060 hex 00",
            "expect FORWARD 192.168.10.9:5060");
    Run r = run("simulate", "--expect", s.toString());
    assertEquals(1, r.code());
    assertEquals(
        s
            + ":4: expected FORWARD 192.168.10.9:5060\n"
            + s
            + ":4: but was  FORWARD 192.168.10.1:5060\n",
        r.err());
    assertEquals(
        0, run("simulate", s.toString()).code()); // without --expect, expect lines are not checked
  }

  @Test
  void simulate_badLines_nameFileAndLine() throws IOException {
    assertError(script("at 10", "at 5"), ":2: time must not go backwards: 5 < 10");
    assertError(script("# comment", "", "frobnicate"), ":3: unknown directive 'frobnicate'");
    assertError(
        script("ipvsadm -A -u 10.0.0.1:5060 -s nosuch"),
        ":1: ipvsadm -A -u 10.0.0.1:5060 -s nosuch: Scheduler or persistence engine not found");
    assertError(script("udp 1.2.3.4 -> 10.0.0.1:5060 hex 00"), ":1: not ADDRESS:PORT");
    assertError(script("udp 1.2.3.4:1 -> 10.0.0.1:5060 hex 0"), ":1: hex: odd number of digits");
    assertError(
        script("udp 1.2.3.4:1 -> 10.0.0.1:5060 text \"\\q\""), ":1: text: unknown escape \\q");
    assertError(script("udp 1.2.3.4:1 -> 10.0.0.1:5060 file missing.bin"), ":1: file: cannot read");
    assertError(script("sysctl expire_everything=1"), ":1: sysctl: unknown 'expire_everything'");
    Run missing = run("simulate", dir.resolve("none.pe4j").toString());
    assertEquals(2, missing.code());
  }

  private void assertError(Path script, String expected) {
    Run r = run("simulate", script.toString());
    assertEquals(2, r.code(), r.out());
    assertTrue(r.err().startsWith(script + expected), r.err());
  }

  private int scripts;

  private Path script(String... lines) throws IOException {
    return Files.write(dir.resolve("s" + scripts++ + ".pe4j"), List.of(lines));
  }

  @Test
  void ipvsadm_restoreChecksAndSavesNormalised() {
    IpvsadmCommand.stdin =
        new ByteArrayInputStream(
            "ipvsadm -A -u 10.0.0.1:5060 -p 60 -s rr -o --pe sip -M 0.0.0.0\n-a -u 10.0.0.1:5060 -r 192.168.10.1 -m\n"
                .getBytes(StandardCharsets.US_ASCII));
    Run r = run("ipvsadm", "-R", "-Sn");
    assertEquals(0, r.code(), r.err());
    assertEquals(
        "-A -u 10.0.0.1:5060 -s rr -p 60 -M 0.0.0.0 --pe sip -o\n-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 1\n",
        r.out());
  }

  @Test
  void ipvsadm_restoreTakesTheCheckLinesForwardTakes_andRefusesChecksOfNothing() {
    String rules =
        "-A -u 10.0.0.1:5060 -s rr\n-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m\n"
            + "check -u 10.0.0.1:5060 -r 192.168.10.1:5060 sip-options interval=5 timeout=2\n";
    IpvsadmCommand.stdin = new ByteArrayInputStream(rules.getBytes(StandardCharsets.US_ASCII));
    Run ok = run("ipvsadm", "-R", "-Sn");
    assertEquals(0, ok.code(), ok.err());
    assertTrue(
        ok.out()
            .endsWith(
                "check -u 10.0.0.1:5060 -r 192.168.10.1:5060 sip-options interval=5 timeout=2"
                    + " rise=2 fall=3 codes=200\n"),
        ok.out());
    IpvsadmCommand.stdin =
        new ByteArrayInputStream(
            rules.replace("-r 192.168.10.1:5060 sip", "-r 192.168.10.9:5060 sip").getBytes());
    Run nothing = run("ipvsadm", "-R");
    assertEquals(2, nothing.code());
    assertTrue(
        nothing.err().startsWith("no real server 192.168.10.9:5060 in -u 10.0.0.1:5060: check "),
        nothing.err());
    IpvsadmCommand.stdin =
        new ByteArrayInputStream(rules.replace("timeout=2", "timeout=9").getBytes());
    Run timing = run("ipvsadm", "-R");
    assertEquals(2, timing.code());
    assertTrue(
        timing
            .err()
            .startsWith(
                "stdin:3: timeout=9 is longer than interval=5: a check would still be waiting"
                    + " when the next one is due: check -u 10.0.0.1:5060"),
        timing.err());
  }

  @Test
  void ipvsadm_restoreErrorNamesTheLine() {
    IpvsadmCommand.stdin =
        new ByteArrayInputStream(
            "-A -u 10.0.0.1:5060 -s rr\n-a -u 10.0.0.1:5060 -r 192.168.10.1 -w 70000\n"
                .getBytes(StandardCharsets.US_ASCII));
    Run r = run("ipvsadm", "-R");
    assertEquals(2, r.code());
    assertEquals(
        "stdin: line 2: illegal weight specified: 70000: -a -u 10.0.0.1:5060 -r 192.168.10.1 -w 70000\n",
        r.err());
  }

  @Test
  void ipvsadm_rulesFileThenListing() throws IOException {
    Path rules =
        Files.write(dir.resolve("rules"), List.of("-A -u 10.0.0.1:5060 -s rr -p 60 --pe sip -o"));
    Run r = run("ipvsadm", "--rules", rules.toString(), "-Ln");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("UDP  10.0.0.1:5060 rr persistent 60 pe sip ops\n"), r.out());
  }
}
