package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.HexFormat;
import org.junit.jupiter.api.Test;

/** {@code --explain} says what a datagram would meet and changes nothing; {@code --pe-data}. */
class ExplainTest {

  private final VirtualClock clock = new VirtualClock();

  @Test
  void aKnownCallIsExplainedWithoutTouchingAnything() {
    Ipvs ipvs = Packets.f1(clock, "");
    Verdict first =
        ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("abc@x")));
    clock.seconds(10);
    String before = ipvs.ipvsadm("-Ln --stats") + ipvs.ipvsadm("-Lcn --persistent-conn");
    String e =
        ipvs.explain(Packets.udp("198.51.100.10:5062", "10.0.0.1:5060", Packets.invite("abc@x")));
    assertTrue(
        e.contains(
            "service:      UDP 10.0.0.1:5060 -s rr -p 300 -o --pe sip --pe-failure fallback\n"),
        e);
    assertTrue(e.contains("engine:       sip found abc@x\n"), e);
    assertTrue(e.contains("template key: UDP 198.51.100.10 -> 10.0.0.1:5060 pe sip abc@x\n"), e);
    assertTrue(e.contains("template:     found: " + first.toString().substring(8)), e);
    assertTrue(e.endsWith("verdict:      " + first + "\n"), e);
    assertEquals(before, (ipvs.ipvsadm("-Ln --stats") + ipvs.ipvsadm("-Lcn --persistent-conn")));
    assertTrue(
        ipvs.ipvsadm("-Lcn --persistent-conn").contains("04:50"),
        "explain did not refresh the template");
  }

  @Test
  void aNewCallAKeyMissAndNoServiceAreSaidSo() {
    Ipvs ipvs = Packets.f1(clock, "");
    String miss =
        ipvs.explain(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("new@x")));
    assertTrue(miss.contains("template:     none\n"), miss);
    assertTrue(miss.contains("picked by rr among 3 servers (explain schedules nothing)"), miss);
    assertEquals(0, ipvs.templateCount());
    String crlf =
        ipvs.explain(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", new byte[] {'\r', '\n'}));
    assertTrue(crlf.contains("engine:       sip found no key: "), crlf);
    assertTrue(crlf.contains("falling back to address persistence"), crlf);
    String none = ipvs.explain(Packets.udp("198.51.100.10:5060", "10.9.9.9:5060", new byte[] {1}));
    assertTrue(
        none.endsWith("verdict:      PASS (no virtual service: the host's own business)\n"), none);
    assertEquals(0, ipvs.services().get(0).counters().inPackets());
  }

  @Test
  void theIpvsadmLineAndThePeDataFilter() {
    Ipvs ipvs = Packets.f1(clock, "");
    for (String id : new String[] {"one@x", "two@x", "three@x"}) {
      ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite(id)));
    }
    String hex = HexFormat.of().formatHex(Packets.invite("two@x"));
    String e =
        ipvs.ipvsadm("--explain --from 198.51.100.10:5999 --to 10.0.0.1:5060 --payload " + hex);
    assertTrue(e.contains("template:     found: "), e);
    String one = ipvs.ipvsadm("-Lcn --persistent-conn --pe-data two@x");
    assertEquals(3, one.split("\n").length, one); // two header lines and the call's template
    assertTrue(one.matches("(?s).* sip +two@x\n"), one);
    assertEquals(
        "--explain needs --from ADDRESS:PORT --to VIP:PORT --payload HEX",
        org.junit.jupiter.api.Assertions.assertThrows(
                IpvsadmException.class, () -> ipvs.ipvsadm("--explain --from 1.2.3.4:5"))
            .getMessage());
  }
}
