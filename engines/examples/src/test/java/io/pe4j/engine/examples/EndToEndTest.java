package io.pe4j.engine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.scenarios.Scenario;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * Each example engine through the core: one session stays on one server while other sessions
 * spread.
 */
class EndToEndTest {

  static Scenario service(String line) {
    Scenario s = Scenario.create().ipvsadm(line);
    String sel = line.split(" ")[1] + " " + line.split(" ")[2];
    for (int n = 1; n <= 3; n++) {
      s.ipvsadm("-a " + sel + " -r 192.168.10." + n + " -m");
    }
    return s;
  }

  /**
   * Sends each session's packets from changing client addresses; returns the servers per session.
   */
  static List<Set<String>> run(Scenario s, String vip, List<List<byte[]>> sessions) {
    List<Set<String>> servers = new java.util.ArrayList<>();
    int t = 0;
    for (List<byte[]> session : sessions) {
      Set<String> seen = new HashSet<>();
      int client = 1;
      for (byte[] packet : session) {
        s.at(Integer.toString(t++)).udp("198.51.100." + client++ + ":" + (40000 + t), vip, packet);
        seen.add(s.verdict().toString());
      }
      servers.add(seen);
    }
    return servers;
  }

  static void assertOneServerEachAndSpread(List<Set<String>> servers) {
    Set<String> all = new HashSet<>();
    for (Set<String> s : servers) {
      assertEquals(1, s.size(), "a session reached several servers: " + s);
      assertTrue(s.iterator().next().startsWith("FORWARD 192.168.10."), s.toString());
      all.addAll(s);
    }
    assertEquals(3, all.size(), "three sessions over rr should use three servers: " + all);
  }

  @Test
  void quic_keepsAConnectionAcrossClientMigration() {
    Scenario s = service("-A -u 10.0.0.1:443 -s rr -p 60 -M 0.0.0.0 --pe quic -o");
    List<List<byte[]>> sessions =
        List.of(
            List.of(
                QuicPackets.handshake("0a0a0a0a0a0a0a0a", "c1"),
                QuicPackets.shortHeader("0a0a0a0a0a0a0a0a", 1),
                QuicPackets.shortHeader("0a0a0a0a0a0a0a0a", 2)),
            List.of(
                QuicPackets.shortHeader("0b0b0b0b0b0b0b0b", 1),
                QuicPackets.shortHeader("0b0b0b0b0b0b0b0b", 2)),
            List.of(
                QuicPackets.shortHeader("0c0c0c0c0c0c0c0c", 1),
                QuicPackets.handshake("0c0c0c0c0c0c0c0c", "")));
    assertOneServerEachAndSpread(run(s, "10.0.0.1:443", sessions));
    assertTrue(
        s.output("-Lcn --persistent-conn").contains(" quic               0a0a0a0a0a0a0a0a\n"),
        s.output("-Lcn --persistent-conn"));
  }

  @Test
  void radius_keepsAStationsEapRoundsAndAccountingTogether() {
    Scenario s = service("-A -u 10.0.0.1:1812 -s rr -p 60 -M 0.0.0.0 --pe radius -o");
    List<List<byte[]>> sessions =
        List.of(
            List.of(
                RadiusPackets.eapRound(1, "alice", "00-11-22-33-44-01", 1),
                RadiusPackets.eapRound(2, "alice", "00-11-22-33-44-01", 2),
                RadiusPackets.accountingStart(3, "alice", "00-11-22-33-44-01")),
            List.of(
                RadiusPackets.eapRound(4, "bob", "00-11-22-33-44-02", 1),
                RadiusPackets.eapRound(5, "bob", "00-11-22-33-44-02", 2)),
            List.of(RadiusPackets.eapRound(6, "carol", "00-11-22-33-44-03", 1)));
    assertOneServerEachAndSpread(run(s, "10.0.0.1:1812", sessions));
  }

  @Test
  void gtpu_keepsATunnelOnOneServer() {
    Scenario s =
        service("-A -u 10.0.0.1:2152 -s rr -p 60 -M 0.0.0.0 --pe gtpu -o --pe-failure drop");
    List<List<byte[]>> sessions =
        List.of(
            List.of(
                GtpuPackets.gpdu(0x101, 1),
                GtpuPackets.gpdu(0x101, 2),
                GtpuPackets.endMarker(0x101)),
            List.of(GtpuPackets.gpdu(0x202, 1), GtpuPackets.gpduWithSequence(0x202, 2)),
            List.of(GtpuPackets.gpdu(0x303, 1)));
    assertOneServerEachAndSpread(run(s, "10.0.0.1:2152", sessions));
    assertTrue(s.output("-Lcn --persistent-conn").contains(" gtpu               0x00000101\n"));
    s.at("100")
        .udp("198.51.100.9:2152", "10.0.0.1:2152", GtpuPackets.echoRequest(1))
        .expect("DROP TEID 0");
  }
}
