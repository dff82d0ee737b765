package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * explain and process agree: random configurations (persistent or not, port-0 services, engines
 * with either failure policy, every kind of scheduler), random edits (weights, servers deleted and
 * added, sysctls, service options) and virtual time; before each datagram is processed, explain
 * says what will happen, and whenever it names a verdict, process must give exactly that one.
 */
class ExplainDifferentialTest {

  private static final String[] VIPS = {"10.0.0.1:5060", "10.0.0.2:5060", "10.0.0.3:0"};
  private static final String[] SCHEDULERS = {"rr", "wrr", "lc", "sh", "mh", "mh -b mh-pe"};

  @Test
  void explainNamesTheVerdictProcessGives() {
    long master = Long.getLong("pe4j.seed", System.nanoTime());
    System.out.println(
        "explain differential seed=" + master + " (replay: -Dpe4j.seed=" + master + ")");
    int compared = 0;
    int scheduled = 0;
    List<String> mismatches = new ArrayList<>();
    for (int run = 0; run < 60; run++) {
      Random r = new Random(master + run);
      VirtualClock clock = new VirtualClock();
      Ipvs ipvs = Ipvs.builder().ticker(clock).build();
      for (String vip : VIPS) {
        service(ipvs, r, vip, "-A");
        for (int n = 1; n <= 1 + r.nextInt(4); n++) {
          server(ipvs, r, vip, n, "-a");
        }
      }
      for (int step = 0; step < 400; step++) {
        int what = r.nextInt(100);
        if (what < 8) {
          edit(ipvs, r);
        } else if (what < 14) {
          clock.advanceSeconds(r.nextInt(400));
        } else {
          Datagram d = datagram(r);
          String explained = verdictLine(ipvs.explain(d));
          Verdict v = ipvs.process(d);
          if (explained.endsWith("(explain schedules nothing)")) {
            scheduled++;
            if (v.kind() != Verdict.Kind.FORWARD && v.kind() != Verdict.Kind.NO_DEST) {
              mismatches.add("run " + run + " step " + step + ": scheduled, then " + v);
            }
          } else {
            compared++;
            String said = explained.replace(" (no virtual service: the host's own business)", "");
            if (!said.equals(v.toString())) {
              mismatches.add(
                  "run " + run + " step " + step + ": explain " + explained + ", process " + v);
            }
          }
        }
      }
    }
    System.out.printf(
        "explain differential: %d verdicts compared, %d scheduled%n", compared, scheduled);
    assertTrue(compared > 5_000 && scheduled > 500, compared + " compared, " + scheduled);
    assertEquals(
        List.of(), mismatches.subList(0, Math.min(10, mismatches.size())), "seed " + master);
  }

  private static String verdictLine(String explanation) {
    for (String line : explanation.split("\n")) {
      if (line.startsWith("verdict:")) {
        return line.substring("verdict:".length()).trim();
      }
    }
    throw new AssertionError("no verdict line: " + explanation);
  }

  private static void service(Ipvs ipvs, Random r, String vip, String verb) {
    String scheduler = SCHEDULERS[r.nextInt(SCHEDULERS.length)];
    boolean persistent = vip.endsWith(":0") || r.nextInt(4) > 0;
    StringBuilder line = new StringBuilder(verb + " -u " + vip + " -s " + scheduler);
    if (persistent) {
      line.append(" -p ").append(new int[] {30, 60, 300}[r.nextInt(3)]);
      if (r.nextBoolean()) {
        line.append(" --pe sip");
        if (r.nextBoolean()) {
          line.append(" --pe-failure drop");
        }
      }
    }
    if (r.nextBoolean()) {
      line.append(" -o");
    }
    ipvs.ipvsadm(line.toString());
  }

  private static void server(Ipvs ipvs, Random r, String vip, int n, String verb) {
    String port = vip.endsWith(":0") ? "0" : r.nextBoolean() ? "5060" : "5070";
    ipvs.ipvsadm(
        verb + " -u " + vip + " -r 192.168.10." + n + ":" + port + " -m -w " + r.nextInt(4));
  }

  private static void edit(Ipvs ipvs, Random r) {
    String vip = VIPS[r.nextInt(VIPS.length)];
    int n = 1 + r.nextInt(4);
    try {
      switch (r.nextInt(6)) {
        case 0 -> server(ipvs, r, vip, n, "-e");
        case 1 -> ipvs.ipvsadm("-d -u " + vip + " -r 192.168.10." + n + ":" + port(ipvs, vip, n));
        case 2 -> server(ipvs, r, vip, n, "-a");
        case 3 -> ipvs.control().setExpireQuiescentTemplate(r.nextBoolean());
        case 4 -> ipvs.control().setExpireNodestConn(r.nextBoolean());
        default -> service(ipvs, r, vip, "-E");
      }
    } catch (IpvsadmException | IllegalArgumentException e) {
      // no such server, or it exists: the edit is refused, which is a configuration too
    }
  }

  private static String port(Ipvs ipvs, String vip, int n) {
    for (VirtualService svc : ipvs.services()) {
      if (svc.toString().endsWith(vip)) {
        for (Destination d : svc.destinations()) {
          if (d.address().equals(IpAddress.parse("192.168.10." + n))) {
            return Integer.toString(d.port());
          }
        }
      }
    }
    return "5060";
  }

  private static Datagram datagram(Random r) {
    String vip = r.nextInt(20) == 0 ? "10.9.9.9:5060" : VIPS[r.nextInt(VIPS.length)];
    int colon = vip.lastIndexOf(':');
    int port =
        vip.endsWith(":0") ? 5000 + r.nextInt(3) : Integer.parseInt(vip.substring(colon + 1));
    byte[] payload =
        r.nextInt(6) == 0
            ? new byte[] {'\r', '\n'}
            : Packets.invite("call-" + r.nextInt(30) + "@example.com");
    return new Datagram()
        .set(
            Protocol.UDP,
            IpAddress.parse("198.51.100." + (1 + r.nextInt(4))),
            5060 + r.nextInt(3),
            IpAddress.parse(vip.substring(0, colon)),
            port)
        .payload(ByteBuffer.wrap(payload), 0, payload.length);
  }
}
