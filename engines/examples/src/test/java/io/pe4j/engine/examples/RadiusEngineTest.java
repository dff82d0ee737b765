package io.pe4j.engine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.testkit.PersistenceEngineContract;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The radius engine obeys the contract and keys an EAP exchange and its accounting together. */
class RadiusEngineTest extends PersistenceEngineContract {

  static final String STATION = "00-11-22-33-44-55";

  @Override
  protected PersistenceEngine engine() {
    return new RadiusEngine();
  }

  @Override
  protected List<byte[]> matchingDatagrams() {
    return List.of(
        RadiusPackets.packet(RadiusPackets.ACCESS_REQUEST, 9, RadiusPackets.attribute(1, "bob")));
  }

  @Override
  protected List<List<byte[]>> sessions() {
    return List.of(
        List.of(
            RadiusPackets.eapRound(1, "alice@example.org", STATION, 1),
            RadiusPackets.eapRound(2, "alice@example.org", STATION, 2),
            RadiusPackets.eapRound(3, "anonymous", STATION, 3),
            RadiusPackets.accountingStart(4, "alice@example.org", STATION)),
        List.of(
            RadiusPackets.eapRound(7, "carol", "AA-BB-CC-DD-EE-FF", 1),
            RadiusPackets.accountingStart(8, "carol", "AA-BB-CC-DD-EE-FF")));
  }

  static String outcome(PersistenceEngine e, byte[] packet) {
    ConnParam p = new ConnParam();
    PeResult r =
        e.fillParam(
            p,
            Datagram.udp(
                IpAddress.parse("192.0.2.1"), 40000, IpAddress.parse("10.0.0.1"), 1812, packet));
    return r.isMatch()
        ? new String(p.peDataCopy().toByteArray(), StandardCharsets.US_ASCII)
        : "!" + r.reason();
  }

  @Test
  void callingStationId_winsOverUserName_whereverItStands() {
    assertEquals(STATION, outcome(engine(), RadiusPackets.eapRound(1, "alice", STATION, 1)));
    assertEquals(
        "bob",
        outcome(
            engine(),
            RadiusPackets.packet(
                1, 1, RadiusPackets.attribute(1, "bob"), RadiusPackets.attribute(4, new byte[4]))));
  }

  @Test
  void keyedOn_otherAttributes() {
    RadiusEngine bySession = RadiusEngine.keyedOn(44);
    assertEquals("sess-4", outcome(bySession, RadiusPackets.accountingStart(4, "a", STATION)));
    assertThrows(IllegalArgumentException.class, () -> RadiusEngine.keyedOn(0));
    assertThrows(IllegalArgumentException.class, RadiusEngine::keyedOn);
  }

  @Test
  void paddingBeyondLength_isIgnored() {
    byte[] p = RadiusPackets.packet(1, 1, RadiusPackets.attribute(31, "x"));
    byte[] padded = java.util.Arrays.copyOf(p, p.length + 5);
    padded[p.length] = 31; // a fake attribute in the padding is not read
    assertEquals("x", outcome(engine(), padded));
  }

  @Test
  void malformed_givesNoMatchWithReason() {
    assertEquals("!shorter than the RADIUS header", outcome(engine(), new byte[19]));
    byte[] p = RadiusPackets.packet(1, 1, RadiusPackets.attribute(31, "x"));
    assertEquals("!bad RADIUS length", outcome(engine(), java.util.Arrays.copyOf(p, p.length - 1)));
    byte[] zeroLength = p.clone();
    zeroLength[21] = 0; // attribute length 0 would loop forever in a naive parser
    assertEquals("!malformed attribute", outcome(engine(), zeroLength));
    byte[] overrun = p.clone();
    overrun[21] = 9;
    assertEquals("!malformed attribute", outcome(engine(), overrun));
    byte[] low = p.clone();
    low[3] = 19;
    assertEquals("!bad RADIUS length", outcome(engine(), low));
    assertEquals(
        "!no station attribute",
        outcome(engine(), RadiusPackets.packet(1, 1, RadiusPackets.attribute(4, new byte[4]))));
    assertEquals(
        "!no station attribute",
        outcome(engine(), RadiusPackets.packet(1, 1, RadiusPackets.attribute(31, new byte[0]))));
  }
}
