package io.pe4j.forwarder.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.core.Destination;
import io.pe4j.core.Ipvs;
import io.pe4j.core.VirtualService;
import io.pe4j.forwarder.sip.SipServer;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/** Health checks against real servers on loopback sockets. */
class HealthCheckerTest {

  private final List<AutoCloseable> closing = new ArrayList<>();

  @AfterEach
  void close() throws Exception {
    for (AutoCloseable c : closing) {
      c.close();
    }
  }

  private List<SipServer> servers(int n) throws Exception {
    List<SipServer> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      SipServer s = SipServer.start(new InetSocketAddress("127.0.0.1", 0), "rs" + i);
      closing.add(s);
      out.add(s);
    }
    return out;
  }

  private static Ipvs ipvs(List<SipServer> servers) {
    Ipvs ipvs = Ipvs.builder().build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 60 -M 0.0.0.0 -o --pe sip");
    for (SipServer s : servers) {
      ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 127.0.0.1:" + s.address().getPort() + " -m -w 2");
    }
    return ipvs;
  }

  private HealthChecker checker(Ipvs ipvs) {
    HealthChecker c = new HealthChecker(ipvs);
    closing.add(c);
    return c;
  }

  private static String check(SipServer s, String rest) {
    return "check -u 10.0.0.1:5060 -r 127.0.0.1:" + s.address().getPort() + " " + rest;
  }

  static Datagram invite(String callId) {
    byte[] p =
        ("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.1:5060;branch=z9hG4bK1"
                + "\r\nCall-ID: "
                + callId
                + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    return Datagram.udp(
        IpAddress.parse("198.51.100.1"), 5060, IpAddress.parse("10.0.0.1"), 5060, p);
  }

  /** The server's weight, or -1 when it is not in the service. */
  private static int weight(Ipvs ipvs, SipServer s) {
    Destination d = server(ipvs, s);
    return d == null ? -1 : d.weight();
  }

  private static @Nullable Destination server(Ipvs ipvs, SipServer s) {
    VirtualService svc = ipvs.services().get(0);
    for (Destination d : svc.destinations()) {
      if (d.port() == s.address().getPort()) {
        return d;
      }
    }
    return null;
  }

  private static long waitFor(BooleanSupplier condition, long maxMillis) throws Exception {
    long start = System.nanoTime();
    while (!condition.getAsBoolean()) {
      if (System.nanoTime() - start > maxMillis * 1_000_000L) {
        throw new AssertionError("not within " + maxMillis + " ms");
      }
      Thread.sleep(5);
    }
    return (System.nanoTime() - start) / 1_000_000L;
  }

  @Test
  void aServerThatStopsAnsweringIsQuiescedItsCallsDrainAndItComesBack() throws Exception {
    List<SipServer> rs = servers(3);
    Ipvs ipvs = ipvs(rs);
    HealthChecker hc = checker(ipvs);
    for (SipServer s : rs) {
      hc.add(HealthCheck.parse(check(s, "sip-options interval=0.2 timeout=0.1 fall=3 rise=2")));
    }
    List<String> before = new ArrayList<>();
    for (int c = 0; c < 30; c++) {
      before.add(ipvs.process(invite("call-" + c)).toString());
    }
    String silenced = "127.0.0.1:" + rs.get(1).address().getPort();
    assertTrue(before.stream().anyMatch(v -> v.contains(silenced)));
    rs.get(1).silence(true);
    long took = waitFor(() -> weight(ipvs, rs.get(1)) == 0, 3_000);
    System.out.println(
        "health: a silent server quiesced after " + took + " ms (interval 0.2 s × fall 3)");
    assertTrue(took <= 3 * 200 + 100 + 200, "quiesced after " + took + " ms"); // + timeout, slack
    assertEquals(HealthChecker.State.DOWN, hc.state("-u 10.0.0.1:5060", silenced));
    for (int c = 0; c < 30; c++) { // its calls in progress keep their server: they drain
      assertEquals(before.get(c), ipvs.process(invite("call-" + c)).toString());
    }
    for (int c = 100; c < 160; c++) { // new calls go elsewhere
      assertTrue(!ipvs.process(invite("call-" + c)).toString().contains(silenced));
    }
    rs.get(1).silence(false);
    long back = waitFor(() -> weight(ipvs, rs.get(1)) == 2, 2_000);
    System.out.println("health: back with weight 2 after " + back + " ms (rise 2 × 0.2 s)");
    assertTrue(back <= 2 * 200 + 200, "back after " + back + " ms");
    HealthChecker.Status st =
        hc.status().get(1).check().serverText().equals(silenced)
            ? hc.status().get(1)
            : hc.status().stream()
                .filter(x -> x.check().serverText().equals(silenced))
                .findFirst()
                .orElseThrow();
    assertEquals(1, st.wentDown());
    assertEquals(1, st.cameUp());
    assertTrue(st.failures() >= 3 && st.successes() >= 2, st.toString());
    assertTrue(hc.render().contains(silenced), hc.render());
  }

  @Test
  void aClosedPortIsCountedAsIcmpUnreachableAndRemovedWhenSoConfigured() throws Exception {
    List<SipServer> rs = servers(2);
    Ipvs ipvs = ipvs(rs);
    HealthChecker hc = checker(ipvs);
    hc.add(
        HealthCheck.parse(
            check(rs.get(0), "sip-options interval=0.2 timeout=0.2 fall=2 on-failure=remove")));
    int port = rs.get(0).address().getPort();
    rs.get(0).close(); // the kernel answers with ICMP port unreachable
    waitFor(
        () -> ipvs.services().get(0).destinations().stream().noneMatch(d -> d.port() == port),
        2_000);
    HealthChecker.Status st = hc.status().get(0);
    assertTrue(
        st.icmpUnreachable() >= 1, st.toString()); // a check in flight at the close times out
    assertEquals("ICMP port unreachable", st.lastProblem());
    // it comes back, re-added with its weight, when something answers there again
    try (SipServer again = SipServer.start(new InetSocketAddress("127.0.0.1", port), "again")) {
      waitFor(() -> server(ipvs, again) != null, 2_000);
      assertEquals(2, weight(ipvs, again));
    }
  }

  @Test
  void aUdpCheckWantsTheExpectedReply() throws Exception {
    List<SipServer> rs = servers(1);
    Ipvs ipvs = ipvs(rs);
    try (DatagramSocket echo = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 127.0.0.1:" + echo.getLocalPort() + " -m");
      Thread t =
          new Thread(
              () -> {
                byte[] b = new byte[100];
                while (!echo.isClosed()) {
                  try {
                    DatagramPacket p = new DatagramPacket(b, b.length);
                    echo.receive(p);
                    byte[] reply = "pong!".getBytes(StandardCharsets.US_ASCII);
                    echo.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
                  } catch (java.io.IOException e) {
                    return;
                  }
                }
              });
      t.setDaemon(true);
      t.start();
      HealthChecker hc = checker(ipvs);
      String base = "check -u 10.0.0.1:5060 -r 127.0.0.1:" + echo.getLocalPort();
      hc.add(
          HealthCheck.parse(
              base + " udp send=\"ping\\r\\n\" expect=pong interval=0.05 timeout=0.05 fall=2"));
      Thread.sleep(400);
      assertEquals(HealthChecker.State.UP, hc.status().get(0).state());
      assertTrue(hc.status().get(0).successes() > 2);
      hc.add(
          HealthCheck.parse(base + " udp send=ping expect=PONG interval=0.05 timeout=0.05 fall=2"));
      waitFor(() -> hc.status().get(0).state() == HealthChecker.State.DOWN, 2_000);
      assertEquals("unexpected reply", hc.status().get(0).lastProblem());
    }
  }

  @Test
  void aMiscCheckUsesKeepalivedsExitCodes() throws Exception {
    List<SipServer> rs = servers(1);
    Ipvs ipvs = ipvs(rs);
    HealthChecker hc = checker(ipvs);
    hc.add(
        HealthCheck.parse(
            check(rs.get(0), "misc command=\"sh -c 'exit 7'\" dynamic interval=0.2 timeout=0.2")));
    waitFor(() -> weight(ipvs, rs.get(0)) == 5, 3_000); // misc_dynamic: 7 - 2
    hc.add(
        HealthCheck.parse(
            check(rs.get(0), "misc command=\"false\" interval=0.2 timeout=0.2 fall=2")));
    waitFor(() -> weight(ipvs, rs.get(0)) == 0, 3_000); // exit 1: down, quiesced
    hc.add(
        HealthCheck.parse(
            check(rs.get(0), "misc command=\"true\" interval=0.2 timeout=0.2 rise=1")));
    waitFor(() -> weight(ipvs, rs.get(0)) == 5, 3_000); // back with the weight it had
  }

  @Test
  void linesParseAndPrintBackAndBadOnesSayWhy() {
    HealthCheck c =
        HealthCheck.parse(
            "check -u 10.0.0.1:5060 -r 192.168.10.1:5060 sip-options interval=5 timeout=1.5 rise=2"
                + " fall=3 codes=2xx,404");
    assertEquals(c, HealthCheck.parse(c.toLine()));
    assertTrue(c.accepts(200) && c.accepts(299) && c.accepts(404));
    assertTrue(!c.accepts(403) && !c.accepts(180));
    HealthCheck u =
        HealthCheck.parse(
            "check -u 10.0.0.1:5060 -r 192.168.10.1:5060 udp send=\"a\\r\\nb\" expect=\"x y\"");
    assertEquals("a\r\nb", u.send());
    assertEquals(u, HealthCheck.parse(u.toLine()));
    assertEquals(
        "interval must be seconds (0 < s <= 86400): 0",
        assertThrows(
                IllegalArgumentException.class,
                () ->
                    HealthCheck.parse("check -u 10.0.0.1:5060 -r 1.2.3.4:5 sip-options interval=0"))
            .getMessage());
    assertEquals(
        "a check has a type: sip-options, udp or misc",
        assertThrows(
                IllegalArgumentException.class,
                () -> HealthCheck.parse("check -u 10.0.0.1:5060 -r 1.2.3.4:5"))
            .getMessage());
    assertThrows(
        IllegalArgumentException.class,
        () -> HealthCheck.parse("check -u 10.0.0.1:5060 -r 1.2.3.4:5 sip-options codes=99"));
    assertNull(new HealthChecker(Ipvs.builder().build()).state("-u 1.2.3.4:5", "1.2.3.4:5"));
    assertNotEquals(c, u);
  }

  /** Two servers, the first checked and gone silent: DOWN, quiesced. */
  private record Down(List<SipServer> rs, Ipvs ipvs, HealthChecker hc, String server) {}

  private Down firstServerDown() throws Exception {
    List<SipServer> rs = servers(2);
    Ipvs ipvs = ipvs(rs);
    HealthChecker hc = checker(ipvs);
    hc.add(HealthCheck.parse(check(rs.get(0), "sip-options interval=0.1 timeout=0.1 fall=2")));
    String server = "127.0.0.1:" + rs.get(0).address().getPort();
    rs.get(0).silence(true);
    waitFor(() -> weight(ipvs, rs.get(0)) == 0, 3_000);
    assertEquals(HealthChecker.State.DOWN, hc.state("-u 10.0.0.1:5060", server));
    return new Down(rs, ipvs, hc, server);
  }

  @Test
  void aWeightSetWhileDownIsTheWeightRestored() throws Exception {
    Down d = firstServerDown();
    List<SipServer> rs = d.rs();
    Ipvs ipvs = d.ipvs();
    HealthChecker hc = d.hc();
    String server = d.server();
    ipvs.ipvsadm("-e -u 10.0.0.1:5060 -r " + server + " -m -w 5"); // the operator, while down
    hc.configurationChanged();
    waitFor(() -> weight(ipvs, rs.get(0)) == 0, 2_000); // it stays out while down
    assertEquals(HealthChecker.State.DOWN, hc.state("-u 10.0.0.1:5060", server));
    rs.get(0).silence(false);
    waitFor(() -> weight(ipvs, rs.get(0)) == 5, 3_000);
    assertEquals(5, weight(ipvs, rs.get(0)), "back with the weight the operator set, not 2");
  }

  @Test
  void aServerDeletedWhileDownStaysDeleted() throws Exception {
    Down d = firstServerDown();
    List<SipServer> rs = d.rs();
    Ipvs ipvs = d.ipvs();
    HealthChecker hc = d.hc();
    String server = d.server();
    ipvs.ipvsadm("-d -u 10.0.0.1:5060 -r " + server); // the operator, while down
    hc.configurationChanged();
    rs.get(0).silence(false);
    waitFor(() -> hc.state("-u 10.0.0.1:5060", server) == HealthChecker.State.UP, 3_000);
    Thread.sleep(300);
    assertEquals(HealthChecker.State.UP, hc.state("-u 10.0.0.1:5060", server));
    assertNull(server(ipvs, rs.get(0)), "the checker added back a server the operator deleted");
    assertEquals(1, ipvs.services().get(0).destinations().size());
  }

  @Test
  void checksOfNothingAndImpossibleTimingsAreRefusedWithTheReason() throws Exception {
    List<SipServer> rs = servers(1);
    Ipvs ipvs = ipvs(rs);
    HealthChecker hc = checker(ipvs);
    String port = Integer.toString(rs.get(0).address().getPort());
    assertEquals(
        "error: no virtual service -u 10.0.0.9:5060: check -u 10.0.0.9:5060 -r 127.0.0.1:"
            + port
            + " sip-options",
        hc.answer("check -u 10.0.0.9:5060 -r 127.0.0.1:" + port + " sip-options")
            .lines()
            .findFirst()
            .orElseThrow()
            .replaceAll(" interval=.*", ""));
    assertTrue(
        hc.answer("check -u 10.0.0.1:5060 -r 127.0.0.1:9 sip-options")
            .startsWith("error: no real server 127.0.0.1:9 in -u 10.0.0.1:5060: check -u "),
        hc.answer("check -u 10.0.0.1:5060 -r 127.0.0.1:9 sip-options"));
    assertEquals(
        "error: timeout=2 is longer than interval=1: a check would still be waiting when the next"
            + " one is due\n",
        hc.answer("check -u 10.0.0.1:5060 -r 127.0.0.1:" + port + " sip-options interval=1"));
    assertEquals("", hc.render(), "a refused check must not run");
  }

  @Test
  void aReplacedCheckKeepsItsStateAndCounters() throws Exception {
    List<SipServer> rs = servers(1);
    Ipvs ipvs = ipvs(rs);
    HealthChecker hc = checker(ipvs);
    hc.add(HealthCheck.parse(check(rs.get(0), "sip-options interval=0.05 timeout=0.05")));
    waitFor(() -> hc.status().get(0).successes() >= 5, 3_000);
    long before = hc.status().get(0).successes();
    hc.add(HealthCheck.parse(check(rs.get(0), "sip-options interval=0.1 timeout=0.1")));
    assertTrue(hc.status().get(0).successes() >= before, hc.render());
    assertEquals(100, hc.status().get(0).check().intervalMillis());
    waitFor(() -> hc.status().get(0).measuredIntervalMillis() >= 90, 2_000);
    assertTrue(hc.render().contains("measured interval 0.1"), hc.render());
    assertTrue(hc.render().contains(": ok"), hc.render());
  }
}
