package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.ipvsadm.Ipvsadm;
import org.junit.jupiter.api.Test;

class ListingsTest {

  private final VirtualClock clock = new VirtualClock();

  @Test
  void stats_areIpvsadmsColumns() {
    Ipvs ipvs = Packets.f1(clock, "");
    for (int i = 0; i < 3; i++) {
      ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("a@b")));
    }
    int bytes = 3 * (Packets.invite("a@b").length + 28);
    assertEquals(
        "IP Virtual Server version 1.2.1 (size=4096)\n"
            + "Prot LocalAddress:Port               Conns   InPkts  OutPkts  InBytes OutBytes\n"
            + "  -> RemoteAddress:Port\n"
            + "UDP  10.0.0.1:5060                       3        3        0"
            + String.format("%9d", bytes)
            + "        0\n"
            + "  -> 192.168.10.1:5060                   0        0        0        0        0\n"
            + "  -> 192.168.10.2:5060                   0        0        0        0        0\n"
            + "  -> 192.168.10.3:5060                   3        3        0"
            + String.format("%9d", bytes)
            + "        0\n",
        ipvs.ipvsadm("-Ln --stats"));
  }

  @Test
  void peStats_countEngineFailuresByReason() {
    Ipvs ipvs = Packets.f1(clock, "");
    ipvs.process(
        Packets.udp(
            "198.51.100.10:5060",
            "10.0.0.1:5060",
            "\r\n\r\n".getBytes(java.nio.charset.StandardCharsets.US_ASCII)));
    ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", new byte[] {1, 2, 3}));
    ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", new byte[] {1, 2, 3}));
    assertEquals(
        "Prot LocalAddress:Port            Engine     No-match reason                   Count\n"
            + "UDP  10.0.0.1:5060                sip        (templates refused: table full)   0\n"
            + "UDP  10.0.0.1:5060                sip        (templates evicted: one datagram) 0\n"
            + "UDP  10.0.0.1:5060                sip        empty or keep-alive               1\n"
            + "UDP  10.0.0.1:5060                sip        not SIP                           2\n",
        ipvs.ipvsadm("-L --pe-stats"));
  }

  @Test
  void rates_followTheTwoSecondEstimator() {
    Ipvs ipvs = Packets.f1(clock, "");
    ipvs.ipvsadm("-Ln --rate"); // the estimator starts
    for (int i = 0; i < 200; i++) {
      ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("a@b")));
    }
    clock.advanceSeconds(2);
    String rate = ipvs.ipvsadm("-Ln --rate");
    // 200 datagrams in 2 s = 100/s; the first EWMA step gives a quarter of it: 25
    assertTrue(rate.contains("UDP  10.0.0.1:5060                      25       25        0"), rate);
  }

  @Test
  void thresholdsAndPersistentConnViews() {
    Ipvs ipvs = Packets.f1(clock, "");
    ipvs.ipvsadm("-e -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -x 10 -y 5");
    ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("a@b")));
    assertTrue(
        ipvs.ipvsadm("-Ln --thresholds")
            .contains(
                "  -> 192.168.10.1:5060            10         5          0          0         \n"));
    assertTrue(
        ipvs.ipvsadm("-Ln --persistent-conn")
            .contains(
                "  -> 192.168.10.3:5060            1         1           0          0         \n"));
  }

  @Test
  void hostilePeData_cannotForgeListingLines() {
    Ipvs ipvs = Packets.f1(clock, "");
    byte[] evil =
        ("INVITE sip:b SIP/2.0\r\nCall-ID: a\u0000b\u001b[2J\u00ff\r\n\r\n")
            .getBytes(java.nio.charset.StandardCharsets.ISO_8859_1);
    ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", evil));
    String listing = ipvs.ipvsadm("-Lcn --persistent-conn");
    assertTrue(listing.endsWith(" a\\x00b\\x1b[2J\\xff\n"), listing);
    assertEquals(3, listing.split("\n").length);
  }

  @Test
  void ipv6ProcRows_useFullGroups() {
    Ipvs ipvs = Ipvs.builder().ticker(clock).build();
    ipvs.ipvsadm("-A -u [2001:db8::1]:5060 -s rr -p 300 --pe sip -o");
    ipvs.ipvsadm("-a -u [2001:db8::1]:5060 -r [2001:db8:10::1]:5060 -m");
    ipvs.process(Packets.udp("[2001:db8:1::10]:5060", "[2001:db8::1]:5060", Packets.invite("x@y")));
    String proc = Ipvsadm.procConn(ipvs);
    assertTrue(
        proc.contains(
            "UDP 2001:0db8:0001:0000:0000:0000:0000:0010 0000 2001:0db8:0000:0000:0000:0000:0000:0001 13C4 "
                + "2001:0db8:0010:0000:0000:0000:0000:0001 13C4 NONE            300 sip x@y\n"),
        proc);
    assertTrue(ipvs.ipvsadm("-Lcn").contains("[2001:db8:1::10]:0"));
  }
}
