package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * {@code -s mh -b mh-pe}: Maglev over the engine's key. Nodes with the same real servers agree on
 * every call's server without talking; removing or adding a server moves about its share of calls;
 * every server's share of the table follows its weight.
 */
class MaglevPeTest {

  private static final int KEYS = 20_000;
  private final VirtualClock clock = new VirtualClock();

  /** An mh-pe service over servers 192.168.10.{n}, added in the given order, weight 1. */
  private Ipvs node(List<Integer> servers) {
    Ipvs ipvs = Ipvs.builder().ticker(clock).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s mh -b mh-pe -p 60 -M 0.0.0.0 -o --pe sip");
    for (int n : servers) {
      ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10." + n + ":5060 -m");
    }
    return ipvs;
  }

  /**
   * The server each call goes to, by Call-ID; each call's INVITE comes from a client of its own.
   */
  private static Map<String, String> picks(Ipvs ipvs, List<String> callIds) {
    return picks(ipvs, callIds, 0);
  }

  /** As above, the clients shifted by {@code clientShift}: another node sees other sockets. */
  private static Map<String, String> picks(Ipvs ipvs, List<String> callIds, int clientShift) {
    Map<String, String> out = new HashMap<>();
    int port = 10_000 + clientShift;
    for (String id : callIds) {
      Verdict v =
          ipvs.process(
              Packets.udp(
                  "198.51.100." + (port % 250 + 1) + ":" + port++,
                  "10.0.0.1:5060",
                  Packets.invite(id)));
      assertEquals(Verdict.Kind.FORWARD, v.kind(), id);
      out.put(id, v.toString());
    }
    return out;
  }

  private static List<String> callIds(long seed) {
    System.out.println("MaglevPeTest seed " + seed);
    Random r = new Random(seed);
    List<String> ids = new ArrayList<>();
    for (int i = 0; i < KEYS; i++) {
      ids.add(Long.toHexString(r.nextLong()) + "@" + r.nextInt(1000) + ".example.com");
    }
    return ids;
  }

  private static List<Integer> range(int from, int to) {
    List<Integer> l = new ArrayList<>();
    for (int i = from; i <= to; i++) {
      l.add(i);
    }
    return l;
  }

  private static double moved(Map<String, String> a, Map<String, String> b) {
    long n = a.entrySet().stream().filter(e -> !e.getValue().equals(b.get(e.getKey()))).count();
    return (double) n / a.size();
  }

  @Test
  void nodesAgreeWhateverOrderTheirServersWereAddedIn() {
    List<String> ids = callIds(System.nanoTime());
    List<Integer> shuffled = range(1, 10);
    Collections.shuffle(shuffled, new Random(7));
    assertEquals(picks(node(range(1, 10)), ids), picks(node(shuffled), ids, 7));
  }

  @Test
  void removingOneOfTenMovesAboutATenth() {
    List<String> ids = callIds(System.nanoTime());
    Map<String, String> ten = picks(node(range(1, 10)), ids);
    Map<String, String> nine = picks(node(range(1, 9)), ids);
    double moved = moved(ten, nine);
    System.out.printf(
        "mh-pe: removing 1 of 10 servers moved %.2f %% of %d calls%n", 100 * moved, KEYS);
    assertTrue(moved <= 0.11, "moved " + moved);
    // every call that was not on the removed server and moved is Maglev's disruption
    long onRemoved = ten.values().stream().filter(v -> v.contains("192.168.10.10:")).count();
    assertTrue(onRemoved > 0.08 * KEYS && onRemoved < 0.12 * KEYS, "on .10: " + onRemoved);
  }

  @Test
  void addingAnEleventhMovesAtMostATenth() {
    List<String> ids = callIds(System.nanoTime());
    Map<String, String> ten = picks(node(range(1, 10)), ids);
    Map<String, String> eleven = picks(node(range(1, 11)), ids);
    double moved = moved(ten, eleven);
    System.out.printf(
        "mh-pe: adding an 11th server moved %.2f %% of %d calls%n", 100 * moved, KEYS);
    assertTrue(moved <= 0.10, "moved " + moved);
  }

  @Test
  void withoutTheFlagCallsFromDifferentClientsSplit_control() {
    List<String> ids = callIds(System.nanoTime());
    Ipvs a = Ipvs.builder().ticker(clock).build();
    a.ipvsadm("-A -u 10.0.0.1:5060 -s mh -p 60 -M 0.0.0.0 -o --pe sip");
    Ipvs b = Ipvs.builder().ticker(clock).build();
    b.ipvsadm("-A -u 10.0.0.1:5060 -s mh -p 60 -M 0.0.0.0 -o --pe sip");
    for (int n = 1; n <= 10; n++) {
      a.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10." + n + ":5060 -m");
      b.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10." + n + ":5060 -m");
    }
    // node b sees each call's first datagram from another client address: source hashing splits
    Map<String, String> pa = picks(a, ids);
    Map<String, String> pb = picks(b, ids, 7);
    assertTrue(moved(pa, pb) > 0.5, "plain mh keys by source, so other clients go elsewhere");
  }

  @Test
  void datagramsWithoutAKeyFallBackToSourceHashing() {
    Ipvs ipvs = Ipvs.builder().ticker(clock).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s mh -b mh-pe -p 60 -o --pe sip"); // full netmask
    for (int n = 1; n <= 10; n++) {
      ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10." + n + ":5060 -m");
    }
    // a CRLF keep-alive has no Call-ID: the fallback policy keys it by address, mh by source
    Map<String, Integer> seen = new HashMap<>();
    for (int c = 1; c <= 200; c++) {
      String from = "198.51.100." + c + ":5060";
      Verdict v = ipvs.process(Packets.udp(from, "10.0.0.1:5060", new byte[] {'\r', '\n'}));
      assertEquals(Verdict.Kind.FORWARD, v.kind());
      seen.merge(v.toString(), 1, Integer::sum);
      // and the same client again: the same server (its template, or the same source hash)
      assertEquals(v, ipvs.process(Packets.udp(from, "10.0.0.1:5060", new byte[] {'\r', '\n'})));
    }
    assertTrue(seen.size() >= 8, "source hashing spreads keep-alives: " + seen);
  }

  @Test
  void sharesFollowWeightsWithinOnePercent() {
    Ipvs ipvs = Ipvs.builder().ticker(clock).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s mh -b mh-pe -p 60 --pe sip");
    int[] weights = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10};
    for (int n = 1; n <= weights.length; n++) {
      ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10." + n + ":5060 -m -w " + weights[n - 1]);
    }
    VirtualService svc = ipvs.services().get(0);
    Destination[] table = MaglevSchedulers.Maglev.table(svc.servers());
    assertEquals(65_537, table.length);
    Map<Destination, Integer> slots = new HashMap<>();
    for (Destination d : table) {
      slots.merge(d, 1, Integer::sum);
    }
    double worst = 0;
    for (Destination d : svc.destinations()) {
      double want = d.weight() / 55.0;
      double got = slots.getOrDefault(d, 0) / (double) table.length;
      worst = Math.max(worst, Math.abs(got - want) / want);
    }
    System.out.printf(
        "mh-pe: worst share error %.3f %% of a server's weight share (M = %d, N = 10)%n",
        100 * worst, table.length);
    assertTrue(worst <= 0.01, "worst relative share error " + worst);
  }

  @Test
  void tableSizeIsConfigurableAndPrime() {
    assertThrows(IllegalArgumentException.class, () -> new Schedulers().maglevTableSize(65_536));
    assertThrows(IllegalArgumentException.class, () -> new Schedulers().maglevTableSize(7));
    Ipvs ipvs = Ipvs.builder().schedulers(new Schedulers().maglevTableSize(10_007)).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s mh -b mh-pe -p 60 --pe sip");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    VirtualService svc = ipvs.services().get(0);
    assertEquals(10_007, MaglevSchedulers.Maglev.table(svc.servers()).length);
    Ipvs kernel = Ipvs.builder().build();
    kernel.ipvsadm("-A -u 10.0.0.1:5060 -s mh -p 60");
    kernel.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    VirtualService k = kernel.services().get(0);
    assertEquals(4_093, MaglevSchedulers.Maglev.table(k.servers()).length);
  }

  @Test
  void saveWritesTheFlagAndOnlyMhTakesIt() {
    Ipvs ipvs = node(range(1, 2));
    assertTrue(
        ipvs.ipvsadm("-Sn").contains(" -s mh ") && ipvs.ipvsadm("-Sn").contains(" -b mh-pe"));
    assertTrue(ipvs.ipvsadm("-Ln").contains("mh (mh-pe)"), ipvs.ipvsadm("-Ln"));
    IpvsadmException e =
        assertThrows(
            IpvsadmException.class, () -> ipvs.ipvsadm("-A -u 10.0.0.2:5060 -s sh -b mh-pe"));
    assertEquals("incompatible scheduler flag", e.getMessage());
  }
}
