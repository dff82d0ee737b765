package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.core.Ipvs;
import io.pe4j.core.Verdict;
import io.pe4j.core.ipvsadm.Ipvsadm;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * A reload applies the file's difference as one change and keeps what did not change: the running
 * configuration ends equal to a fresh load of the new file, an established call keeps its server
 * and its template, and a file with an error applies nothing.
 */
class ReloadTest {

  @TempDir Path dir;

  private static final String A =
      """
      -A -u 10.0.0.1:5060 -s rr -p 60 -M 0.0.0.0 -o --pe sip
      -a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 1
      -a -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m -w 1
      -a -u 10.0.0.1:5060 -r 192.168.10.3:5060 -m -w 1
      -A -u 10.0.0.9:5060 -s wlc
      -a -u 10.0.0.9:5060 -r 192.168.20.1:5060 -m
      """;

  /** Weights changed (one to 0), a server removed, one added, a service added, one removed. */
  private static final String B =
      """
      -A -u 10.0.0.1:5060 -s rr -p 60 -M 0.0.0.0 -o --pe sip
      -a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 0
      -a -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m -w 3 -x 100 -y 50
      -a -u 10.0.0.1:5060 -r 192.168.10.4:5060 -m -w 1
      -A -u 10.0.0.2:5060 -s sh
      -a -u 10.0.0.2:5060 -r 192.168.30.1:5060 -m
      --set 0 0 120
      """;

  private Path write(String name, String text) throws Exception {
    return Files.writeString(dir.resolve(name), text, StandardCharsets.UTF_8);
  }

  private static Ipvs load(Path rules) {
    Ipvs ipvs = Ipvs.builder().build();
    RulesFile.load(ipvs, rules, false, new PrintWriter(new StringWriter()));
    return ipvs;
  }

  private static Datagram invite(String callId, int clientPort) {
    byte[] p =
        ("INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: "
                + callId
                + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    return Datagram.udp(
        IpAddress.parse("198.51.100.1"), clientPort, IpAddress.parse("10.0.0.1"), 5060, p);
  }

  /** Everything a reload may change, thresholds included (-S leaves them out, as ipvsadm's). */
  private static String state(Ipvs ipvs) {
    return Ipvsadm.execute(ipvs, "-Sn")
        + Ipvsadm.execute(ipvs, "-Ln --thresholds")
        + Ipvsadm.execute(ipvs, "-L --timeout");
  }

  @Test
  void theDifferenceIsAppliedAndWhatStayedKeepsItsCalls() throws Exception {
    Path rules = write("rules", A);
    Ipvs ipvs = load(rules);
    // calls on the servers that stay
    Verdict[] calls = new Verdict[6];
    for (int i = 0; i < calls.length; i++) {
      calls[i] = ipvs.process(invite("call-" + i, 5000 + i));
    }
    long templates = ipvs.templateCount();
    Files.writeString(rules, B, StandardCharsets.UTF_8);
    Reload reload = new Reload(ipvs, rules, false, null);
    String said = reload.run();
    assertEquals(1, reload.done());
    assertEquals(state(load(write("fresh", B))), state(ipvs), said);
    assertTrue(said.contains("reload: -D -u 10.0.0.9:5060"), said);
    assertTrue(said.contains("reload: -d -u 10.0.0.1:5060 -r 192.168.10.3:5060"), said);
    for (int i = 0; i < calls.length; i++) {
      Verdict again = ipvs.process(invite("call-" + i, 6000 + i)); // another client port
      boolean gone = calls[i].toString().contains("192.168.10.3");
      if (!gone) { // rs1 quiesced (weight 0): its calls stay, as with -e -w 0
        assertEquals(calls[i].toString(), again.toString(), "call-" + i);
      }
    }
    assertTrue(ipvs.templateCount() >= templates - 2, ipvs.templateCount() + " of " + templates);
    assertEquals("reload: no change\n", reload.run()); // again: nothing to do
  }

  @Test
  void aFileWithAnErrorAppliesNothing() throws Exception {
    Path rules = write("rules", A);
    Ipvs ipvs = load(rules);
    String before = state(ipvs);
    Files.writeString(
        rules,
        B.replace("-A -u 10.0.0.2:5060 -s sh", "-A -u 10.0.0.2:5060 -s nosuch"),
        StandardCharsets.UTF_8);
    Reload reload = new Reload(ipvs, rules, false, null);
    String said = reload.run();
    assertTrue(said.startsWith("error: reload refused, nothing changed: "), said);
    assertTrue(said.contains("nosuch"), said);
    assertEquals(before, state(ipvs));
    assertEquals(List.of(0L, 1L), List.of(reload.done(), reload.failed()));
  }

  @Test
  void healthChecksAreReplaced() throws Exception {
    String checkA =
        "check -u 10.0.0.1:5060 -r 192.168.10.1:5060 misc command=\"/bin/true\" interval=5"
            + " timeout=3\n"
            + "check -u 10.0.0.1:5060 -r 192.168.10.2:5060 misc command=\"/bin/true\" interval=5"
            + " timeout=3\n";
    Path rules = write("rules", A + checkA);
    Ipvs ipvs = Ipvs.builder().build();
    List<io.pe4j.forwarder.health.HealthCheck> checks =
        RulesFile.load(ipvs, rules, false, new PrintWriter(new StringWriter()));
    try (io.pe4j.forwarder.health.HealthChecker hc =
        new io.pe4j.forwarder.health.HealthChecker(ipvs)) {
      checks.forEach(hc::add);
      // B keeps 192.168.10.2 with a new interval and drops 192.168.10.1's check
      Files.writeString(
          rules,
          B
              + "check -u 10.0.0.1:5060 -r 192.168.10.2:5060 misc command=\"/bin/true\""
              + " interval=7 timeout=3\n",
          StandardCharsets.UTF_8);
      String said = new Reload(ipvs, rules, false, hc).run();
      assertTrue(said.contains("reload: check -d -u 10.0.0.1:5060 -r 192.168.10.1:5060"), said);
      assertEquals(1, hc.status().size(), said);
      assertEquals(7_000, hc.status().get(0).check().intervalMillis());
    }
  }
}
