package io.pe4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.core.Ipvs;
import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

/** The binder's meters follow the core: values, new services, deleted ones, no Call-ID. */
class Pe4jMetricsTest {

  private static Datagram invite(String callId) {
    byte[] p =
        ("INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: "
                + callId
                + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    return Datagram.udp(
        IpAddress.parse("198.51.100.1"), 5060, IpAddress.parse("10.0.0.1"), 5060, p);
  }

  @Test
  void metersFollowTheCoreAndCarryNoCallId() {
    Ipvs ipvs = Ipvs.builder().build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 60 -M 0.0.0.0 -o --pe sip");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    SimpleMeterRegistry registry = new SimpleMeterRegistry();
    Pe4jMetrics metrics = new Pe4jMetrics(ipvs);
    metrics.bindTo(registry);
    for (int i = 0; i < 5; i++) {
      ipvs.process(invite("secret-call-" + i));
    }
    ipvs.process(
        Datagram.udp(
            IpAddress.parse("198.51.100.1"),
            5060,
            IpAddress.parse("10.0.0.1"),
            5060,
            new byte[] {'\r', '\n'}));
    metrics.refresh();
    assertEquals(6, registry.get("pe4j.templates.active").gauge().value()); // + the keep-alive's
    assertEquals(6, registry.get("pe4j.templates.creations").functionCounter().count());
    assertEquals(
        6,
        registry
            .get("pe4j.service.packets")
            .tags("service", "UDP 10.0.0.1:5060", "direction", "in")
            .functionCounter()
            .count());
    assertEquals(
        6,
        registry
            .get("pe4j.server.packets")
            .tags("server", "192.168.10.1:5060", "direction", "in")
            .functionCounter()
            .count());
    assertEquals(1, registry.get("pe4j.engine.nomatch").functionCounter().count());
    for (Meter m : registry.getMeters()) {
      assertTrue(!m.getId().toString().contains("secret-call"), m.getId().toString());
    }
    ipvs.ipvsadm("-A -u 10.0.0.2:5060 -s rr");
    metrics.refresh();
    assertTrue(
        registry
            .find("pe4j.service.packets")
            .tag("service", "UDP 10.0.0.2:5060")
            .counters()
            .isEmpty());
    assertEquals(
        2,
        registry
            .find("pe4j.service.packets")
            .tag("service", "UDP 10.0.0.2:5060")
            .functionCounters()
            .size());
    ipvs.ipvsadm("-D -u 10.0.0.2:5060");
    metrics.refresh();
    assertNull(
        registry
            .find("pe4j.service.packets")
            .tag("service", "UDP 10.0.0.2:5060")
            .functionCounter());
  }
}
