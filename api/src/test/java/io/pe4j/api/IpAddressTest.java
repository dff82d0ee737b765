package io.pe4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class IpAddressTest {

  @Test
  void ipv4_parsesAndPrints() {
    IpAddress a = IpAddress.parse("198.51.100.10");
    assertEquals("198.51.100.10", a.toString());
    assertEquals("C633640A", a.toProcHex());
    assertEquals("198.51.100.0", a.withPrefix(24).toString());
    assertEquals("0.0.0.0", a.withPrefix(0).toString());
    assertEquals("255.255.255.255", IpAddress.parse("255.255.255.255").toString());
  }

  @Test
  void ipv4_rejectsNonLiterals() {
    for (String bad :
        new String[] {"1.2.3", "1.2.3.4.5", "256.1.1.1", "a.b.c.d", "example.com", "", "1..2.3"}) {
      assertThrows(IllegalArgumentException.class, () -> IpAddress.parse(bad), bad);
    }
  }

  @Test
  void ipv6_printsRfc5952() {
    assertEquals("2001:db8::1", IpAddress.parse("2001:0DB8:0:0:0:0:0:1").toString());
    assertEquals("2001:db8:0:1:1:1:1:1", IpAddress.parse("2001:db8:0:1:1:1:1:1").toString());
    assertEquals("2001:db8::1:0:0:1", IpAddress.parse("2001:db8:0:0:1:0:0:1").toString());
    assertEquals("::", IpAddress.parse("::").toString());
    assertEquals("::1", IpAddress.parse("[::1]").toString());
    assertEquals("::ffff:192.0.2.1", IpAddress.parse("::ffff:192.0.2.1").toString());
  }

  @Test
  void ipv6_prefixAndProcForm() {
    IpAddress a = IpAddress.parse("2001:db8:1::10");
    assertEquals("2001:db8:1::", a.withPrefix(64).toString());
    assertEquals("2001:0db8:0001:0000:0000:0000:0000:0000", a.withPrefix(64).toProcHex());
    assertEquals("2001:db8::", a.withPrefix(33).toString());
    assertEquals(a, a.withPrefix(128));
    assertEquals("[2001:db8:1::10]:5060", a.withPort(5060));
  }

  @Test
  void bytesRoundTrip() {
    for (String s : new String[] {"10.0.0.1", "2001:db8::ff00:42:8329", "fe80::1"}) {
      IpAddress a = IpAddress.parse(s);
      assertEquals(a, IpAddress.of(a.toBytes()));
      assertEquals(a, IpAddress.of(a.toInetAddress()));
    }
  }
}
