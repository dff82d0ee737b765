package io.pe4j.engine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.testkit.PersistenceEngineContract;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The quic engine obeys the contract and reads DCIDs as RFC 9000 lays them out. */
class QuicEngineTest extends PersistenceEngineContract {

  static final String SERVER_CID = "5e7ec1d0a1b2c3d4";
  static final String CLIENT_CID = "c11e0001c11e0002";

  @Override
  protected PersistenceEngine engine() {
    return new QuicEngine();
  }

  @Override
  protected List<byte[]> matchingDatagrams() {
    return List.of(
        QuicPackets.initial("8394c8f03e515708", CLIENT_CID),
        QuicPackets.shortHeader(SERVER_CID, 7));
  }

  @Override
  protected List<List<byte[]>> sessions() {
    // after the first Initial the client addresses the server's connection ID, long and short
    // headers alike
    return List.of(
        List.of(
            QuicPackets.handshake(SERVER_CID, CLIENT_CID),
            QuicPackets.shortHeader(SERVER_CID, 2),
            QuicPackets.shortHeader(SERVER_CID, 3)),
        List.of(
            QuicPackets.handshake("00112233445566778899", CLIENT_CID),
            QuicPackets.handshake("00112233445566778899", "")));
  }

  static String outcome(PersistenceEngine e, byte[] packet) {
    ConnParam p = new ConnParam();
    PeResult r =
        e.fillParam(
            p,
            Datagram.udp(
                IpAddress.parse("192.0.2.1"), 50000, IpAddress.parse("10.0.0.1"), 443, packet));
    return r.isMatch()
        ? java.util.HexFormat.of().formatHex(p.peDataCopy().toByteArray())
        : "!" + r.reason();
  }

  @Test
  void longHeader_readsTheDcidOfTheLengthInThePacket() {
    assertEquals(
        "8394c8f03e515708", outcome(engine(), QuicPackets.initial("8394c8f03e515708", CLIENT_CID)));
    assertEquals(
        "00112233445566778899",
        outcome(engine(), QuicPackets.handshake("00112233445566778899", "")));
  }

  @Test
  void shortHeader_readsTheConfiguredLength() {
    assertEquals(SERVER_CID, outcome(engine(), QuicPackets.shortHeader(SERVER_CID, 1)));
    assertEquals(
        "5e7ec1d0",
        outcome(
            QuicEngine.builder().shortHeaderDcidLength(4).build(),
            QuicPackets.shortHeader(SERVER_CID, 1)));
    assertThrows(
        IllegalArgumentException.class, () -> QuicEngine.builder().shortHeaderDcidLength(21));
  }

  @Test
  void noMatch_withItsReason() {
    assertEquals(
        "!version negotiation",
        outcome(engine(), QuicPackets.versionNegotiation(CLIENT_CID, SERVER_CID)));
    assertEquals("!zero-length DCID", outcome(engine(), QuicPackets.handshake("", CLIENT_CID)));
    assertEquals(
        "!too short for DCID",
        outcome(
            engine(), java.util.Arrays.copyOf(QuicPackets.initial("8394c8f03e515708", ""), 10)));
    assertEquals("!too short for DCID", outcome(engine(), new byte[] {0x43, 1, 2, 3}));
    assertEquals("!too short for DCID", outcome(engine(), new byte[] {(byte) 0xC3, 0, 0}));
    assertEquals("!empty datagram", outcome(engine(), new byte[0]));
  }
}
