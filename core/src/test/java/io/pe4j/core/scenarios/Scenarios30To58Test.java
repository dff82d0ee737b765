package io.pe4j.core.scenarios;

import static io.pe4j.core.scenarios.Fixtures.A;
import static io.pe4j.core.scenarios.Fixtures.B;
import static io.pe4j.core.scenarios.Fixtures.C1;
import static io.pe4j.core.scenarios.Fixtures.C1P;
import static io.pe4j.core.scenarios.Fixtures.C2;
import static io.pe4j.core.scenarios.Fixtures.RS1;
import static io.pe4j.core.scenarios.Fixtures.RS2;
import static io.pe4j.core.scenarios.Fixtures.RS3;
import static io.pe4j.core.scenarios.Fixtures.VIP;
import static io.pe4j.core.scenarios.Fixtures.assertCounters;
import static io.pe4j.core.scenarios.Fixtures.dest;
import static io.pe4j.core.scenarios.Fixtures.f1;
import static io.pe4j.core.scenarios.Fixtures.f2;
import static io.pe4j.core.scenarios.Fixtures.fwd;
import static io.pe4j.core.scenarios.Fixtures.m;
import static io.pe4j.core.scenarios.Fixtures.raw;
import static io.pe4j.core.scenarios.Fixtures.service;
import static io.pe4j.core.scenarios.Fixtures.templateRows;
import static io.pe4j.core.scenarios.Fixtures.withServers;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.Protocol;
import io.pe4j.core.Destination;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scenarios 30–58 of {@code docs/ipvs-semantics.md} §13.1, in virtual time. */
class Scenarios30To58Test {

  @Test
  void scenario30_templateKeptAliveByControlledConnection() {
    Scenario s = withServers("-A -u 10.0.0.1:5060 -s rr -p 60 --pe sip");
    for (String t : new String[] {"0", "100", "200", "300", "400"}) {
      s.at(t).udp(C1, VIP, m(A)).expect(fwd(RS3));
    }
    s.at("650");
    assertEquals(
        List.of(
            "UDP C633640A 0000 0A000001 13C4 C0A80A03 13C4 NONE             10 sip " + A,
            "UDP C633640A 13C4 0A000001 13C4 C0A80A03 13C4 UDP              50"),
        s.procRows());
    s.at("719.999");
    assertEquals(
        1, templateRows(s).size()); // the connection expired at 700; the timer re-armed to 720
    s.at("720");
    assertTrue(s.procRows().isEmpty());
    s.at("730").udp(C1, VIP, m(A)).expect(fwd(RS2));
  }

  @Test
  void scenario31_sixtySecondStickinessAfterExpireLater() {
    Scenario s = withServers("-A -u 10.0.0.1:5060 -s rr -p 120 --pe sip");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("100").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("150").udp(C1P, VIP, m(A)).expect(fwd(RS3));
    // [Q] the timer fired at 120 with a controlled connection: stored timeout 60, so 150 + 60
    assertTrue(
        templateRows(s).get(0).contains(" NONE             60 sip "), templateRows(s).toString());
  }

  @Test
  void scenario32_opsStatistics() {
    Scenario s = f1("");
    for (int t = 0; t < 5; t++) {
      s.at(Integer.toString(t)).udp(C1, VIP, m(A)).expect(fwd(RS3));
    }
    assertCounters(s, 5, 5);
    Destination rs3 = dest(s, RS3);
    assertEquals(5, rs3.counters().conns());
    assertEquals(5, rs3.counters().inPackets());
    assertEquals(0, rs3.activeConns());
    assertEquals(0, rs3.inactiveConns());
    assertEquals(1, rs3.persistConns());
    assertEquals(3, s.output("-Lcn").split("\n").length); // title, header, the template alone
  }

  @Test
  void scenario33_opsWithWlcConcentrates() {
    Scenario s = withServers("-A -u 10.0.0.1:5060 -s wlc -p 300 --pe sip -o");
    for (int k = 0; k < 10; k++) {
      s.at(Integer.toString(k)).udp(C1, VIP, m("id" + k + "@h")).expect(fwd(RS3));
    }
  }

  @Test
  void scenario34_opsWithoutPersistence() {
    Scenario s = withServers("-A -u 10.0.0.1:5060 -s rr -o");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("1").udp(C1, VIP, raw("hello")).expect(fwd(RS2));
    s.at("2").udp(C1, VIP, raw("\r\n")).expect(fwd(RS1));
    s.at("3").udp(C1, VIP, new byte[0]).expect(fwd(RS3));
    assertTrue(s.procRows().isEmpty());
  }

  @Test
  void scenario35_quiescentDestinationDefault() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("10").ipvsadm("-e -u 10.0.0.1:5060 -r 192.168.10.3:5060 -m -w 0");
    s.at("20").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("21").udp(C1, VIP, m(B)).expect(fwd(RS2));
  }

  @Test
  void scenario36_quiescentWithExpireQuiescentTemplate() {
    Scenario s = f1("").sysctl("expire_quiescent_template", true);
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("10").ipvsadm("-e -u 10.0.0.1:5060 -r 192.168.10.3:5060 -m -w 0");
    s.at("20").udp(C1, VIP, m(A)).expect(fwd(RS2));
    List<String> rows = s.procRows();
    assertTrue(
        rows.contains("UDP C633640A 0000 0A000001 FFFF C0A80A03 FFFF NONE            280 sip " + A),
        rows.toString());
    assertTrue(
        rows.contains("UDP C633640A 0000 0A000001 13C4 C0A80A02 13C4 NONE            300 sip " + A),
        rows.toString());
  }

  @Test
  void scenario37_destinationDeleted() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("10").ipvsadm("-d -u 10.0.0.1:5060 -r 192.168.10.3:5060");
    s.at("20").udp(C1, VIP, m(A)).expect(fwd(RS2));
    assertTrue(
        s.procRows()
            .contains(
                "UDP C633640A 0000 0A000001 FFFF C0A80A03 FFFF NONE            280 sip " + A));
    assertFalse(s.output("-Ln").contains("192.168.10.3"));
  }

  @Test
  void scenario38_destinationDeletedAndReAdded() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    Destination rs3 = dest(s, RS3);
    s.at("10").ipvsadm("-d -u 10.0.0.1:5060 -r 192.168.10.3:5060");
    assertEquals(1, rs3.persistConns());
    s.at("15").ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.3:5060 -m -w 1");
    assertEquals(rs3, dest(s, RS3)); // the same object, revived from the trash
    s.at("20").udp(C1, VIP, m(A)).expect(fwd(RS3));
    assertEquals(1, rs3.persistConns());
    assertEquals(2, rs3.counters().conns());
    assertEquals(rs3, service(s).destinations().get(0)); // back at the list head
  }

  @Test
  void scenario39a_existingConnectionToDeletedDestinationDrops() {
    Scenario s = f2("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("5").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("10").ipvsadm("-d -u 10.0.0.1:5060 -r 192.168.10.3:5060");
    s.at("20").udp(C1, VIP, m(A)).expect("DROP destination unavailable");
    assertTrue(
        s.procRows().contains("UDP C633640A 13C4 0A000001 13C4 C0A80A03 13C4 UDP             285"),
        s.procRows().toString());
    assertEquals(1, s.ipvs().destinationUnavailableDrops());
  }

  @Test
  void scenario39b_expireNodestConnFlushesAndReschedules() {
    Scenario s = f2("").sysctl("expire_nodest_conn", true);
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("5").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("10").ipvsadm("-d -u 10.0.0.1:5060 -r 192.168.10.3:5060");
    assertTrue(s.procRows().isEmpty());
    s.at("20").udp(C1, VIP, m(A)).expect(fwd(RS2));
  }

  @Test
  void scenario40_weightChangeDoesNotMovePersistence() {
    Scenario s = Scenario.create().ipvsadm("-A -u 10.0.0.1:5060 -s wrr -p 300 --pe sip -o");
    s.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 1");
    s.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m -w 1");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS2));
    s.at("1").ipvsadm("-e -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 5");
    s.at("2").udp(C1, VIP, m(A)).expect(fwd(RS2));
    s.at("3").udp(C1, VIP, m(B)).expect(fwd(RS1));
  }

  @Test
  void scenario41_noEligibleDestination() {
    Scenario s = f1("");
    for (String rs : new String[] {RS1, RS2, RS3}) {
      s.ipvsadm("-e -u 10.0.0.1:5060 -r " + rs + " -m -w 0");
    }
    s.at("0").udp(C1, VIP, m(A)).expect("NO_DEST");
    assertTrue(s.procRows().isEmpty());
    assertCounters(s, 0, 0);
  }

  @Test
  void scenario42_overloadedDestinationKeepsExistingPersistence() {
    Scenario s = Scenario.create().ipvsadm("-A -u 10.0.0.1:5060 -s fo -p 300 --pe sip");
    s.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 1");
    s.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m -w 1");
    s.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.3:5060 -m -w 2 -x 1");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    assertTrue(dest(s, RS3).isOverloaded());
    s.at("1").udp(C2, VIP, m(B)).expect(fwd(RS2));
    s.at("2").udp(C1P, VIP, m(A)).expect(fwd(RS3));
  }

  @Test
  void scenario43_fwmarkService() {
    Scenario s = Scenario.create().ipvsadm("-A -f 1 -s rr -p 300 --pe sip -o");
    for (int n = 1; n <= 3; n++) {
      s.ipvsadm("-a -f 1 -r 192.168.10." + n + " -m");
    }
    s.at("0").send(Protocol.UDP, C1, "10.0.0.1:5060", m(A), 1).expect("FORWARD 192.168.10.3:5060");
    s.at("1").send(Protocol.UDP, C1, "10.0.0.2:5080", m(A), 1).expect("FORWARD 192.168.10.3:5080");
    assertEquals(
        List.of("IP  C633640A 0000 00000001 0000 C0A80A03 0000 NONE            300 sip " + A),
        s.procRows());
    assertTrue(s.output("-Lcn").contains("0.0.0.1:0"));
  }

  @Test
  void scenario44_portZeroService() {
    Scenario s = Scenario.create().ipvsadm("-A -u 10.0.0.1:0 -s rr -p 300 --pe sip -o");
    for (int n = 1; n <= 3; n++) {
      s.ipvsadm("-a -u 10.0.0.1:0 -r 192.168.10." + n + " -m");
    }
    s.at("0").udp(C1, "10.0.0.1:5060", m(A)).expect("FORWARD 192.168.10.3:5060");
    s.at("0").udp(C1, "10.0.0.1:5070", m(A)).expect("FORWARD 192.168.10.3:5070");
    assertEquals(
        List.of("UDP C633640A 0000 0A000001 0000 C0A80A03 0000 NONE            300 sip " + A),
        s.procRows());
  }

  private static Scenario ipv6(String mask) {
    Scenario s =
        Scenario.create().ipvsadm("-A -u [2001:db8::1]:5060 -s rr -p 300" + mask + " --pe sip -o");
    for (int n = 1; n <= 3; n++) {
      s.ipvsadm("-a -u [2001:db8::1]:5060 -r [2001:db8:10::" + n + "]:5060 -m");
    }
    return s;
  }

  @Test
  void scenario45_ipv6PrefixGrouping() {
    Scenario s = ipv6(" -M 64");
    String vip = "[2001:db8::1]:5060";
    s.at("0").udp("[2001:db8:1::10]:5060", vip, m(A)).expect("FORWARD [2001:db8:10::3]:5060");
    s.at("1").udp("[2001:db8:1::20]:5060", vip, m(A)).expect("FORWARD [2001:db8:10::3]:5060");
    s.at("2").udp("[2001:db8:2::10]:5060", vip, m(A)).expect("FORWARD [2001:db8:10::2]:5060");
    List<String> rows = s.procRows();
    assertEquals(2, rows.size());
    assertTrue(
        rows.get(0).startsWith("UDP 2001:0db8:0001:0000:0000:0000:0000:0000 0000 ")
            || rows.get(1).startsWith("UDP 2001:0db8:0001:0000:0000:0000:0000:0000 0000 "),
        rows.toString());
  }

  @Test
  void scenario46_ipv6DefaultPrefix128() {
    Scenario s = ipv6("");
    String vip = "[2001:db8::1]:5060";
    s.at("0").udp("[2001:db8:1::10]:5060", vip, m(A)).expect("FORWARD [2001:db8:10::3]:5060");
    s.at("1").udp("[2001:db8:1::20]:5060", vip, m(A)).expect("FORWARD [2001:db8:10::2]:5060");
    s.at("2").udp("[2001:db8:2::10]:5060", vip, m(A)).expect("FORWARD [2001:db8:10::1]:5060");
    assertEquals(3, s.procRows().size());
  }

  @Test
  void scenario47_editingThePersistenceTimeout() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("50").ipvsadm("-E -u 10.0.0.1:5060 -s rr -p 60 --pe sip -o");
    s.at("100").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("101").udp(C1, VIP, m(B)).expect(fwd(RS2));
    List<String> rows = s.procRows();
    assertTrue(
        rows.contains("UDP C633640A 0000 0A000001 13C4 C0A80A03 13C4 NONE            299 sip " + A),
        rows.toString()); // 400
    assertTrue(
        rows.contains("UDP C633640A 0000 0A000001 13C4 C0A80A02 13C4 NONE             60 sip " + B),
        rows.toString()); // 161
  }

  @Test
  void scenario48_editingAwayThePersistenceEngine() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("1").udp(C1, VIP, m(B)).expect(fwd(RS2));
    s.at("2").udp(C1, VIP, m("c3")).expect(fwd(RS1));
    s.at("3").ipvsadm("-E -u 10.0.0.1:5060 -s rr -p 300 -o");
    s.at("4").udp(C1, VIP, m("d1@x")).expect(fwd(RS3));
    s.at("5").udp(C1, VIP, m("e1@x")).expect(fwd(RS3));
    List<String> rows = templateRows(s);
    assertEquals(4, rows.size());
    assertTrue(
        rows.contains("UDP C633640A 0000 0A000001 13C4 C0A80A03 13C4 NONE            300"),
        rows.toString());
    assertEquals(
        0, s.ipvs().engines().uses("sip") - 3); // only the three old templates still hold sip
  }

  @Test
  void scenario49_serverInitiatedRequestRebinds() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("10").fromServer(RS2, C1, SipMessages.request("BYE", A, 2)).expect("OUT 10.0.0.1:5060");
    List<String> rows = s.procRows();
    assertTrue(
        rows.contains("UDP C633640A 0000 0A000001 FFFF C0A80A03 FFFF NONE            290 sip " + A),
        rows.toString());
    assertTrue(
        rows.contains("UDP C633640A 0000 0A000001 13C4 C0A80A02 13C4 ASSURED         300 sip " + A),
        rows.toString());
    assertEquals(2, service(s).counters().conns());
    s.at("11").udp(C1, VIP, m(A)).expect(fwd(RS2));
  }

  @Test
  void scenario50_natReplyRefreshesAndAssures() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("100")
        .fromServer(RS3, C1, SipMessages.response(200, "OK", A, "INVITE"))
        .expect("OUT 10.0.0.1:5060");
    assertEquals(
        List.of("UDP C633640A 0000 0A000001 13C4 C0A80A03 13C4 ASSURED         300 sip " + A),
        s.procRows());
    assertEquals(2, service(s).counters().conns());
    assertEquals(1, service(s).counters().outPackets());
    s.at("101")
        .fromServer(RS3, C1, raw("SIP/2.0 200 OK\r\nCSeq: 1 OPTIONS\r\n\r\n"))
        .expect("OUT 192.168.10.3:5060");
  }

  @Test
  void scenario51_independentServices() {
    Scenario s = f1("");
    s.ipvsadm("-A -u 10.0.0.1:5061 -s rr -p 300 --pe sip -o");
    for (int n = 1; n <= 3; n++) {
      s.ipvsadm("-a -u 10.0.0.1:5061 -r 192.168.20." + n + ":5061 -m");
    }
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("1").udp(C1, "10.0.0.1:5061", m(A)).expect("FORWARD 192.168.20.3:5061");
    s.at("2").udp(C1, VIP, m(B)).expect(fwd(RS2));
    List<String> rows = s.procRows();
    assertEquals(3, rows.size());
    assertTrue(rows.stream().anyMatch(r -> r.contains(" 0A000001 13C5 ")));
  }

  @Test
  void scenario52_schedulerSeesThePacketNotTheCallId() {
    Scenario s = withServers("-A -u 10.0.0.1:5060 -s sh -p 300 --pe sip -o");
    s.at("0").udp(C1, VIP, m(A));
    String first = s.verdict().toString();
    s.at("1").udp(C1, VIP, m(B)).expect(first);
    s.at("2").udp(C1, VIP, m("c3")).expect(first);
    assertEquals(3, templateRows(s).size());
  }

  @Test
  void scenario55_listingFormats() {
    Scenario s = f1(" -M 0.0.0.0");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    assertEquals(
        "IP Virtual Server version 1.2.1 (size=4096)\n"
            + "Prot LocalAddress:Port Scheduler Flags\n"
            + "  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n"
            + "UDP  10.0.0.1:5060 rr persistent 300 mask 0.0.0.0 pe sip ops\n"
            + "  -> 192.168.10.1:5060            Masq    1      0          0         \n"
            + "  -> 192.168.10.2:5060            Masq    1      0          0         \n"
            + "  -> 192.168.10.3:5060            Masq    1      0          0         \n",
        s.output("-Ln"));
    assertEquals(
        "-A -u 10.0.0.1:5060 -s rr -p 300 -M 0.0.0.0 --pe sip -o\n"
            + "-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 1\n"
            + "-a -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m -w 1\n"
            + "-a -u 10.0.0.1:5060 -r 192.168.10.3:5060 -m -w 1\n",
        s.output("-Sn"));
    assertEquals(
        "IPVS connection entries\n"
            + "pro expire state       source             virtual            destination        pe name          pe_data\n"
            + "UDP 05:00  NONE        0.0.0.0:0          10.0.0.1:5060      192.168.10.3:5060 sip                "
            + A
            + "\n",
        s.output("-Lcn --persistent-conn"));
  }

  @Test
  void scenario56_persistentWithoutValueMeans360() {
    Scenario s = Scenario.create().ipvsadm("-A -u 10.0.0.1:5060 -s rr --pe sip -p");
    assertTrue(
        s.output("-Ln").contains("UDP  10.0.0.1:5060 rr persistent 360 pe sip\n"), s.output("-Ln"));
  }

  @Test
  void scenario57_ipvsadmValidation() {
    Scenario s = Scenario.create();
    assertEquals(
        "One-Packet Scheduling is only for UDP virtual services",
        s.fails("-A -t 10.0.0.1:5060 -o"));
    assertEquals(
        "Zero port specified for non-persistent service", s.fails("-A -u 10.0.0.1:0 -s rr"));
    assertEquals(
        "illegal ipv6 netmask specified", s.fails("-A -u [2001:db8::1]:5060 -p 300 -M 129"));
    assertTrue(
        s.fails("-A -u 10.0.0.1:5060 -p 300 --pe nosuch")
            .startsWith("Scheduler or persistence engine not found"));
    assertTrue(s.ipvs().services().isEmpty());
  }

  /**
   * The spec's invalid {@code Call-ID: c3 } is keyed by pe4j's rules; a datagram without Call-ID
   * stands in.
   */
  @Test
  void scenario58_fallbackMode() {
    Scenario s = f1("");
    s.at("0")
        .udp(C1, VIP, raw("OPTIONS sip:x SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n"))
        .expect(fwd(RS3));
    s.at("1").udp(C1, VIP, m(A)).expect(fwd(RS2));
    List<String> rows = templateRows(s);
    assertTrue(
        rows.contains("UDP C633640A 0000 0A000001 13C4 C0A80A03 13C4 NONE            299"),
        rows.toString());
    assertTrue(
        rows.contains("UDP C633640A 0000 0A000001 13C4 C0A80A02 13C4 NONE            300 sip " + A),
        rows.toString());
  }
}
