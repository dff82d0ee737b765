package io.pe4j.core.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pe4j.core.Destination;
import io.pe4j.core.VirtualService;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.stream.Collectors;

/** The fixtures and clients of spec §13.0. */
final class Fixtures {

  static final String VIP = "10.0.0.1:5060";
  static final String RS1 = "192.168.10.1:5060";
  static final String RS2 = "192.168.10.2:5060";
  static final String RS3 = "192.168.10.3:5060";
  static final String C1 = "198.51.100.10:5060";
  static final String C1P = "198.51.100.10:5070";
  static final String C2 = "198.51.100.11:5060";
  static final String C4 = "198.51.100.99:5060";
  static final String C5 = "198.51.101.5:5060";
  static final String C3 = "203.0.113.7:5062";
  static final String A = "a84b4c76e66710@pc33.example.org";
  static final String B = "f81d4fae-7dec-11d0-a765@host";
  static final String C = "c3";

  private Fixtures() {}

  /**
   * F1: {@code -A -u 10.0.0.1:5060 -s rr -p 300 --pe sip -o} + {@code extra}, RS1..RS3 {@code -m -w
   * 1}.
   */
  static Scenario f1(String extra) {
    return withServers("-A -u 10.0.0.1:5060 -s rr -p 300 --pe sip -o" + extra);
  }

  /** F2: F1 without {@code -o}. */
  static Scenario f2(String extra) {
    return withServers("-A -u 10.0.0.1:5060 -s rr -p 300 --pe sip" + extra);
  }

  static Scenario withServers(String serviceLine) {
    Scenario s = Scenario.create().ipvsadm(serviceLine);
    String sel = serviceLine.split(" ")[1] + " " + serviceLine.split(" ")[2];
    for (String rs : new String[] {RS1, RS2, RS3}) {
      s.ipvsadm("-a " + sel + " -r " + rs + " -m -w 1");
    }
    return s;
  }

  static byte[] m(String callId) {
    return SipMessages.invite(callId);
  }

  static byte[] raw(String text) {
    return text.getBytes(StandardCharsets.ISO_8859_1);
  }

  static String fwd(String endpoint) {
    return "FORWARD " + endpoint;
  }

  static VirtualService service(Scenario s) {
    return s.ipvs().services().get(0);
  }

  static Destination dest(Scenario s, String endpoint) {
    for (VirtualService v : s.ipvs().services()) {
      for (Destination d : v.destinations()) {
        if (d.toString().equals(endpoint)) {
          return d;
        }
      }
    }
    throw new AssertionError("no destination " + endpoint);
  }

  /** The template rows of /proc/net/ip_vs_conn (client port 0000). */
  static List<String> templateRows(Scenario s) {
    return s.procRows().stream()
        .filter(r -> r.substring(13, 17).equals("0000"))
        .collect(Collectors.toList());
  }

  static void assertCounters(Scenario s, long conns, long inPackets) {
    assertEquals(conns, service(s).counters().conns(), "service Conns");
    assertEquals(inPackets, service(s).counters().inPackets(), "service InPkts");
  }
}
