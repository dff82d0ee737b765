package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.Datagram;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

/** The built-in schedulers' semantics (spec §8), one test per scheduler and flag. */
class SchedulersTest {

  private final VirtualClock clock = new VirtualClock();
  private int port = 10_000;

  /** A non-persistent UDP service with servers .1, .2, .3 added in that order with the weights. */
  private Ipvs service(String scheduler, int... weights) {
    Ipvs ipvs = Ipvs.builder().ticker(clock).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s " + scheduler);
    for (int n = 1; n <= weights.length; n++) {
      ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10." + n + ":5060 -m -w " + weights[n - 1]);
    }
    return ipvs;
  }

  /**
   * Sends from a new client port (a new connection each time) and returns the destination's last
   * octet.
   */
  private String next(Ipvs ipvs) {
    return next(ipvs, "198.51.100.10:" + port++, "10.0.0.1:5060");
  }

  private static String next(Ipvs ipvs, String from, String to) {
    Verdict v = ipvs.process(Packets.udp(from, to, new byte[] {1}));
    if (v.kind() != Verdict.Kind.FORWARD) {
      return v.kind().name();
    }
    String a = String.valueOf(v.address());
    return a.substring(a.lastIndexOf('.') + 1);
  }

  private List<String> picks(Ipvs ipvs, int n) {
    List<String> out = new ArrayList<>();
    for (int i = 0; i < n; i++) {
      out.add(next(ipvs));
    }
    return out;
  }

  @Test
  void rr_walksTheListNewestFirstAndSkipsQuiescent() {
    assertEquals(List.of("3", "2", "1", "3", "2", "1"), picks(service("rr", 1, 1, 1), 6));
    assertEquals(List.of("3", "1", "3", "1"), picks(service("rr", 1, 0, 1), 4));
  }

  @Test
  void wrr_servesInProportionToWeight() {
    List<String> p = picks(service("wrr", 3, 1), 8);
    assertEquals(6, p.stream().filter("1"::equals).count());
    assertEquals(2, p.stream().filter("2"::equals).count());
    assertEquals("1", p.get(0)); // the heaviest server first
  }

  @Test
  void lc_picksTheLeastConnectionsFirstInListOnTies() {
    assertEquals(List.of("3", "2", "1", "3"), picks(service("lc", 1, 5, 1), 4));
  }

  @Test
  void wlc_picksTheLeastConnectionsPerWeight() {
    List<String> p = picks(service("wlc", 1, 1, 2), 8);
    assertEquals(4, p.stream().filter("3"::equals).count());
    assertEquals(2, p.stream().filter("1"::equals).count());
  }

  @Test
  void sed_andNq_ignoreInactiveUdpConnections() {
    assertEquals(List.of("2", "2", "2"), picks(service("sed", 1, 3, 2), 3));
    assertEquals(List.of("3", "3", "3"), picks(service("nq", 1, 3, 2), 3)); // [Q] first eligible
  }

  @Test
  void fo_picksTheHighestWeight_ovfLikewiseForUdp() {
    assertEquals(List.of("2", "2"), picks(service("fo", 1, 3, 2), 2));
    assertEquals(List.of("2", "2"), picks(service("ovf", 1, 3, 2), 2));
    assertEquals(List.of("NO_DEST"), picks(service("fo", 0, 0), 1));
  }

  @Test
  void overload_upperAndLowerThresholds() {
    Ipvs ipvs = Ipvs.builder().ticker(clock).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s fo");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 1");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m -w 5 -x 2 -y 1");
    assertEquals(List.of("2", "2", "1", "1"), picks(ipvs, 4));
    Destination d2 =
        ipvs.services()
            .get(0)
            .publishedDestination(io.pe4j.api.IpAddress.parse("192.168.10.2"), 5060);
    assertTrue(d2 != null && d2.isOverloaded());
    clock.advanceSeconds(301); // connections expire; total 0 < lower threshold 1 clears OVERLOAD
    ipvs.cleanUp();
    assertEquals("2", next(ipvs));
  }

  @Test
  void sh_mapsASourceToOneServer_andHonoursItsFlags() {
    Ipvs ipvs = service("sh", 1, 1, 1);
    Map<String, String> first = new HashMap<>();
    for (int c = 1; c <= 40; c++) {
      first.put("c" + c, next(ipvs, "198.51.100." + c + ":" + port++, "10.0.0.1:5060"));
    }
    for (int c = 1; c <= 40; c++) {
      assertEquals(
          first.get("c" + c), next(ipvs, "198.51.100." + c + ":" + port++, "10.0.0.1:5060"));
    }
    assertTrue(first.values().stream().distinct().count() > 1, "hashing spreads clients");
    // without sh-fallback a client hashed to a quiescent server gets no destination
    String victim = first.get("c1");
    ipvs.ipvsadm("-e -u 10.0.0.1:5060 -r 192.168.10." + victim + ":5060 -m -w 0");
    assertEquals("NO_DEST", next(ipvs, "198.51.100.1:" + port++, "10.0.0.1:5060"));
    ipvs.ipvsadm("-E -u 10.0.0.1:5060 -s sh -b sh-fallback");
    String moved = next(ipvs, "198.51.100.1:" + port++, "10.0.0.1:5060");
    assertNotEquals(victim, moved);
    assertNotEquals("NO_DEST", moved);
  }

  @Test
  void shPort_keysOnTheSourcePortToo() {
    Ipvs ipvs = Ipvs.builder().ticker(clock).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s sh -b sh-port");
    for (int n = 1; n <= 3; n++) {
      ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10." + n + ":5060 -m");
    }
    long distinct =
        java.util.stream.IntStream.range(0, 30)
            .mapToObj(i -> next(ipvs, "198.51.100.7:" + (20_000 + i), "10.0.0.1:5060"))
            .distinct()
            .count();
    assertTrue(distinct > 1);
  }

  @Test
  void dh_mapsADestinationAddressToOneServer() {
    Ipvs ipvs = Ipvs.builder().ticker(clock).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:0 -s dh -p 1"); // port zero needs -p; one client per test call
    for (int n = 1; n <= 3; n++) {
      ipvs.ipvsadm("-a -u 10.0.0.1:0 -r 192.168.10." + n + " -m");
    }
    String a = next(ipvs, "198.51.100.1:1", "10.0.0.1:5060");
    clock.advanceSeconds(400);
    assertEquals(a, next(ipvs, "198.51.100.2:2", "10.0.0.1:5070"));
  }

  @Test
  void mh_isConsistent_andQuiescingDoesNotRemap() {
    Ipvs ipvs = service("mh", 1, 1, 1);
    Map<Integer, String> first = new HashMap<>();
    for (int c = 1; c <= 60; c++) {
      first.put(c, next(ipvs, "198.51.100." + c + ":" + port++, "10.0.0.1:5060"));
    }
    assertEquals(3, first.values().stream().distinct().count());
    ipvs.ipvsadm("-e -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m -w 0");
    for (int c = 1; c <= 60; c++) {
      String now = next(ipvs, "198.51.100." + c + ":" + port++, "10.0.0.1:5060");
      assertEquals("2".equals(first.get(c)) ? "NO_DEST" : first.get(c), now, "client " + c);
    }
    ipvs.ipvsadm("-d -u 10.0.0.1:5060 -r 192.168.10.2:5060");
    int kept = 0;
    int others = 0;
    for (int c = 1; c <= 60; c++) {
      if (!"2".equals(first.get(c))) {
        others++;
        kept +=
            java.util.Objects.equals(
                    first.get(c), next(ipvs, "198.51.100." + c + ":" + port++, "10.0.0.1:5060"))
                ? 1
                : 0;
      }
    }
    assertTrue(
        kept >= others * 0.7,
        "deleting a server remaps few others: kept " + kept + " of " + others);
  }

  @Test
  void mhFallback_movesClientsOfAQuiescentServer() {
    Ipvs ipvs = service("mh", 1, 1, 1);
    ipvs.ipvsadm("-E -u 10.0.0.1:5060 -s mh -b mh-fallback");
    ipvs.ipvsadm("-e -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m -w 0");
    for (int c = 1; c <= 30; c++) {
      String d = next(ipvs, "198.51.100." + c + ":" + port++, "10.0.0.1:5060");
      assertTrue(d.equals("1") || d.equals("3"), d);
    }
  }

  @Test
  void lblcAndLblcr_keepADestinationAddressOnOneServer() {
    for (String s : new String[] {"lblc", "lblcr"}) {
      Ipvs ipvs = service(s, 1, 1, 1);
      String a = next(ipvs);
      for (int i = 0; i < 5; i++) {
        assertEquals(a, next(ipvs), s);
      }
    }
  }

  @Test
  void twos_picksOnlyEligibleServers() {
    List<String> p = picks(service("twos", 1, 0, 3), 60);
    assertTrue(p.stream().noneMatch("2"::equals));
    assertTrue(p.contains("3"));
  }

  @Test
  void none_neverSchedules() {
    assertEquals(List.of("NO_DEST"), picks(service("none", 1), 1));
  }

  @Test
  void customScheduler_isSelectedByName() {
    Schedulers schedulers =
        new Schedulers()
            .register(
                "last",
                () ->
                    (svc, d) -> {
                      return svc.get(svc.size() - 1);
                    });
    Ipvs ipvs = Ipvs.builder().ticker(clock).schedulers(schedulers).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s last");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m");
    assertEquals(List.of("1", "1"), picks(ipvs, 2));
  }

  @Test
  void datagramsSeenByTheScheduler_areTheDatagramsSent() {
    List<Integer> seen = new ArrayList<>();
    Schedulers schedulers =
        new Schedulers()
            .register(
                "spy",
                () ->
                    (svc, d) -> {
                      seen.add(((Datagram) d).sourcePort());
                      return svc.get(0);
                    });
    Ipvs ipvs = Ipvs.builder().ticker(clock).schedulers(schedulers).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s spy");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    next(ipvs, "198.51.100.1:4242", "10.0.0.1:5060");
    assertEquals(List.of(4242), seen);
  }
}
