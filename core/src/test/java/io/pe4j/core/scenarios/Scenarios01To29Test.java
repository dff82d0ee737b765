package io.pe4j.core.scenarios;

import static io.pe4j.core.scenarios.Fixtures.A;
import static io.pe4j.core.scenarios.Fixtures.B;
import static io.pe4j.core.scenarios.Fixtures.C;
import static io.pe4j.core.scenarios.Fixtures.C1;
import static io.pe4j.core.scenarios.Fixtures.C1P;
import static io.pe4j.core.scenarios.Fixtures.C2;
import static io.pe4j.core.scenarios.Fixtures.C3;
import static io.pe4j.core.scenarios.Fixtures.C4;
import static io.pe4j.core.scenarios.Fixtures.C5;
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
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.Protocol;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Scenarios 1–29 of {@code docs/ipvs-semantics.md} §13.1, in virtual time. Where pe4j's decisions
 * override the kernel (the spec's preamble: 14, 15, 23, 24, 26), the test follows them and says so.
 * Datagrams the engine cannot key are tested with DROP as written and with FALLBACK.
 */
class Scenarios01To29Test {

  static final String ROW_A_RS3 =
      "UDP C633640A 0000 0A000001 13C4 C0A80A03 13C4 NONE            300 sip " + A;

  @Test
  void scenario01_templateCreation() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    assertEquals(List.of(ROW_A_RS3), s.procRows());
    assertCounters(s, 1, 1);
    assertEquals(1, dest(s, RS3).persistConns());
    assertEquals(0, dest(s, RS3).activeConns());
    assertEquals(0, dest(s, RS3).inactiveConns());
  }

  @Test
  void scenario02_reuseWithoutScheduling() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("10").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("11").udp(C1, VIP, m(B)).expect(fwd(RS2));
    s.at("309.999").udp(C1, VIP, m(A)).expect(fwd(RS3)); // A expired at 310, not 300
  }

  @Test
  void scenario03_sameClientDifferentCallIdsSpread() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("1").udp(C1, VIP, m(B)).expect(fwd(RS2));
    s.at("2").udp(C1, VIP, m(C)).expect(fwd(RS1));
    assertEquals(3, templateRows(s).size());
    assertTrue(templateRows(s).stream().allMatch(r -> r.startsWith("UDP C633640A 0000")));
  }

  @Test
  void scenario04_sameCallIdDifferentClients() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("1").udp(C2, VIP, m(A)).expect(fwd(RS2));
    assertEquals(2, templateRows(s).size());
  }

  @Test
  void scenario05_netmaskZeroGroupsEveryone() {
    Scenario s = f1(" -M 0.0.0.0");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("1").udp(C3, VIP, m(A)).expect(fwd(RS3));
    assertEquals(1, templateRows(s).size());
    assertTrue(templateRows(s).get(0).startsWith("UDP 00000000 0000"));
    assertEquals(2, service(s).counters().conns());
    s.at("2").udp(C3, VIP, m(B)).expect(fwd(RS2)); // the scheduler was consulted once before
  }

  @Test
  void scenario06_netmask24() {
    Scenario s = f1(" -M 255.255.255.0");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("1").udp(C4, VIP, m(A)).expect(fwd(RS3));
    s.at("2").udp(C5, VIP, m(A)).expect(fwd(RS2));
    List<String> rows = templateRows(s);
    assertEquals(2, rows.size());
    assertTrue(
        rows.stream().anyMatch(r -> r.startsWith("UDP C6336400 0000") && r.contains(" C0A80A03 ")));
    assertTrue(
        rows.stream().anyMatch(r -> r.startsWith("UDP C6336500 0000") && r.contains(" C0A80A02 ")));
  }

  @Test
  void scenario07_expiryBoundaryJustBefore() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("299.999").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("599.998").udp(C1, VIP, m(B)).expect(fwd(RS2));
    s.at("599.999")
        .udp(C1, VIP, m(A))
        .expect(fwd(RS1)); // expired at 599.999: usable iff now < expiry
  }

  @Test
  void scenario08_expiryBoundaryAtOrAfter() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("300").udp(C1, VIP, m(A)).expect(fwd(RS2));
    assertEquals(1, templateRows(s).size());
    s.at("600").udp(C1, VIP, m(A)).expect(fwd(RS1));
  }

  @Test
  void scenario08_expiryAt300point001() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("300.001").udp(C1, VIP, m(A)).expect(fwd(RS2));
    s.at("600.000").udp(C1, VIP, m(A)).expect(fwd(RS2)); // the new template expires at 600.001
  }

  @Test
  void scenario09_refreshChain() {
    Scenario s = f1("");
    for (String t : new String[] {"0", "250", "500", "750", "1049"}) {
      s.at(t).udp(C1, VIP, m(A)).expect(fwd(RS3));
    }
    s.at("1348.999").udp(C2, VIP, m(B)).expect(fwd(RS2));
    s.at("1349").udp(C1, VIP, m(A)).expect(fwd(RS1));
  }

  @Test
  void scenario10_compactForm() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("1").udp(C1, VIP, SipMessages.inviteWithHeader("i: " + A)).expect(fwd(RS3));
    assertEquals(1, templateRows(s).size());
  }

  @Test
  void scenario11_headerNameCase() {
    Scenario s = f1("");
    int t = 0;
    for (String name : new String[] {"CALL-ID:", "call-id:", "Call-Id:", "I:"}) {
      s.at(Integer.toString(t++))
          .udp(C1, VIP, SipMessages.inviteWithHeader(name + " " + A))
          .expect(fwd(RS3));
    }
    assertEquals(1, templateRows(s).size());
  }

  @Test
  void scenario12_valueCaseSensitivity() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m("ABC@H")).expect(fwd(RS3));
    s.at("1").udp(C1, VIP, m("abc@h")).expect(fwd(RS2));
    assertEquals(2, templateRows(s).size());
  }

  @Test
  void scenario13_whitespaceAndLwsAccepted() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, SipMessages.inviteWithHeader("Call-ID:c3")).expect(fwd(RS3));
    s.at("1").udp(C1, VIP, SipMessages.inviteWithHeader("Call-ID :\tc3")).expect(fwd(RS3));
    s.at("2").udp(C1, VIP, SipMessages.inviteWithHeader("Call-ID:\r\n   c3")).expect(fwd(RS3));
    assertEquals(1, templateRows(s).size());
    assertTrue(templateRows(s).get(0).endsWith(" sip c3"));
  }

  /**
   * pe4j trims trailing whitespace (sip-call-id.md R7); the kernel drops (spec preamble item 2).
   */
  @Test
  void scenario14_trailingWhitespaceIsTrimmed() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, SipMessages.inviteWithHeader("Call-ID: c3 ")).expect(fwd(RS3));
    assertTrue(templateRows(s).get(0).endsWith(" sip c3"));
    assertCounters(s, 1, 1);
  }

  /** pe4j returns the value raw (R7); the kernel drops. */
  @Test
  void scenario15_parametersAreKeptRaw() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, SipMessages.inviteWithHeader("Call-ID: c3;x=1")).expect(fwd(RS3));
    assertTrue(templateRows(s).get(0).endsWith(" sip c3;x=1"));
  }

  @Test
  void scenario16_angleBracketsAreWordCharacters() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m("<x@h>")).expect(fwd(RS3));
    assertTrue(templateRows(s).get(0).endsWith(" sip <x@h>"));
  }

  static final byte[] OPTIONS_WITHOUT_CALL_ID =
      raw("OPTIONS sip:x SIP/2.0\r\nCSeq: 1 OPTIONS\r\n\r\n");

  @Test
  void scenario17_missingCallId_drop() {
    Scenario s = f1(" --pe-failure drop");
    s.at("0").udp(C1, VIP, OPTIONS_WITHOUT_CALL_ID).expect("DROP no Call-ID");
    assertCounters(s, 0, 0);
    assertTrue(s.procRows().isEmpty());
    assertEquals(1L, service(s).engineFailures().get("no Call-ID"));
  }

  @Test
  void scenario17_missingCallId_fallback() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, OPTIONS_WITHOUT_CALL_ID).expect(fwd(RS3));
    assertEquals(
        List.of("UDP C633640A 0000 0A000001 13C4 C0A80A03 13C4 NONE            300"), s.procRows());
    assertEquals(1L, service(s).engineFailures().get("no Call-ID"));
  }

  @Test
  void scenario18_crlfKeepAlive_drop() {
    Scenario s = f1(" --pe-failure drop");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("5").udp(C1, VIP, raw("\r\n\r\n")).expect("DROP empty or keep-alive");
    assertEquals(List.of(ROW_A_RS3.replace(" 300 ", " 295 ")), s.procRows()); // not refreshed
  }

  @Test
  void scenario18_crlfKeepAlive_fallback() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("5").udp(C1, VIP, raw("\r\n\r\n")).expect(fwd(RS2));
    assertTrue(s.procRows().contains(ROW_A_RS3.replace(" 300 ", " 295 ")));
  }

  @Test
  void scenario19_emptyPayload_drop() {
    Scenario s = f1(" --pe-failure drop");
    s.at("0").udp(C1, VIP, new byte[0]).expect("DROP empty or keep-alive");
    assertCounters(s, 0, 0);
  }

  @Test
  void scenario19_emptyPayload_fallback() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, new byte[0]).expect(fwd(RS3));
  }

  @Test
  void scenario20_maxLength255() {
    Scenario s = f1("");
    String id = "x".repeat(255);
    s.at("0").udp(C1, VIP, m(id)).expect(fwd(RS3));
    assertTrue(s.procRows().get(0).endsWith(" sip " + id));
  }

  @Test
  void scenario21_length256_drop() {
    Scenario s = f1(" --pe-failure drop");
    s.at("0").udp(C1, VIP, m("x".repeat(256))).expect("DROP Call-ID too long");
    assertTrue(s.procRows().isEmpty());
  }

  @Test
  void scenario21_length256_fallback() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, m("x".repeat(256))).expect(fwd(RS3));
    assertEquals(1L, service(s).engineFailures().get("Call-ID too long"));
  }

  @Test
  void scenario22_noLineTerminator_drop() {
    Scenario s = f1(" --pe-failure drop");
    s.at("0")
        .udp(C1, VIP, raw("INVITE sip:b SIP/2.0\r\nCall-ID: x@h"))
        .expect("DROP truncated Call-ID");
  }

  @Test
  void scenario22_noLineTerminator_fallback() {
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, raw("INVITE sip:b SIP/2.0\r\nCall-ID: x@h")).expect(fwd(RS3));
  }

  /** pe4j: two Call-IDs with different values give no match (R10); the kernel uses y@h. */
  @Test
  void scenario23_emptyDomainThenAnotherCallId_noMatch() {
    byte[] msg = raw("INVITE sip:b SIP/2.0\r\nCall-ID: x@\r\nCall-ID: y@h\r\n\r\n");
    f1(" --pe-failure drop").at("0").udp(C1, VIP, msg).expect("DROP duplicate Call-IDs differ");
    f1("").at("0").udp(C1, VIP, msg).expect(fwd(RS3));
  }

  /** pe4j: differing duplicates give no match (R10); the kernel uses the first. */
  @Test
  void scenario24_differentDuplicates_noMatch() {
    byte[] msg = raw("INVITE sip:b SIP/2.0\r\nCall-ID: a@h\r\nCall-ID: b@h\r\n\r\n");
    f1(" --pe-failure drop").at("0").udp(C1, VIP, msg).expect("DROP duplicate Call-IDs differ");
    Scenario s = f1("");
    s.at("0").udp(C1, VIP, msg).expect(fwd(RS3));
    assertEquals(1L, service(s).engineFailures().get("duplicate Call-IDs differ"));
  }

  @Test
  void scenario25_callIdOnFirstLine_drop() {
    f1(" --pe-failure drop")
        .at("0")
        .udp(C1, VIP, raw("Call-ID: x@h\r\n\r\n"))
        .expect("DROP not SIP");
    f1("").at("0").udp(C1, VIP, raw("Call-ID: x@h\r\n\r\n")).expect(fwd(RS3));
  }

  /** pe4j: a {@code Call-IDx} line does not stop the search (R6); the kernel drops. */
  @Test
  void scenario26_prefixNamedHeaderDoesNotAbort() {
    Scenario s = f1("");
    s.at("0")
        .udp(C1, VIP, raw("INVITE sip:b SIP/2.0\r\nCall-IDx: 1\r\nCall-ID: x@h\r\n\r\n"))
        .expect(fwd(RS3));
    assertTrue(s.procRows().get(0).endsWith(" sip x@h"));
  }

  @Test
  void scenario27_tcpWithSipEngine_drop() {
    Scenario s =
        Fixtures.withServers("-A -t 10.0.0.1:5060 -s rr -p 300 --pe sip --pe-failure drop");
    s.at("0").send(Protocol.TCP, C1, VIP, new byte[0], 0).expect("DROP not UDP");
    s.at("1").send(Protocol.TCP, C1, VIP, new byte[0], 0).expect("DROP not UDP");
    assertTrue(s.procRows().isEmpty());
    assertCounters(s, 0, 0);
  }

  @Test
  void scenario27_tcpWithSipEngine_fallback() {
    Scenario s = Fixtures.withServers("-A -t 10.0.0.1:5060 -s rr -p 300 --pe sip");
    s.at("0").send(Protocol.TCP, C1, VIP, new byte[0], 0).expect(fwd(RS3));
    assertEquals(1, dest(s, RS3).activeConns());
  }

  @Test
  void scenario28_existingConnectionBeatsCallId() {
    Scenario s = f2("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("5").udp(C1, VIP, m(B)).expect(fwd(RS3));
    assertEquals(
        List.of(
            ROW_A_RS3.replace(" 300 ", " 295 "),
            "UDP C633640A 13C4 0A000001 13C4 C0A80A03 13C4 UDP             300"),
        s.procRows());
    assertEquals(1, dest(s, RS3).inactiveConns());
  }

  @Test
  void scenario29_newSourcePortGetsNewCallIdDecision() {
    Scenario s = f2("");
    s.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    s.at("5").udp(C1, VIP, m(B)).expect(fwd(RS3));
    s.at("6").udp(C1P, VIP, m(B)).expect(fwd(RS2));
    assertEquals(2, templateRows(s).size());
    assertEquals(4, s.procRows().size());
  }
}
