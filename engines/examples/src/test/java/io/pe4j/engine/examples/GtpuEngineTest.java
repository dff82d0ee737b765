package io.pe4j.engine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.testkit.PersistenceEngineContract;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The gtpu engine obeys the contract and keys G-PDUs on their TEID. */
class GtpuEngineTest extends PersistenceEngineContract {

  @Override
  protected PersistenceEngine engine() {
    return new GtpuEngine();
  }

  @Override
  protected List<byte[]> matchingDatagrams() {
    return List.of(GtpuPackets.gpdu(0x1a2b3c4dL, 1));
  }

  @Override
  protected List<List<byte[]>> sessions() {
    return List.of(
        List.of(
            GtpuPackets.gpdu(0x00000101L, 1),
            GtpuPackets.gpduWithSequence(0x00000101L, 2),
            GtpuPackets.endMarker(0x00000101L)),
        List.of(GtpuPackets.gpdu(0xfffffffeL, 7), GtpuPackets.gpdu(0xfffffffeL, 8)));
  }

  static String outcome(byte[] packet) {
    ConnParam p = new ConnParam();
    PeResult r =
        new GtpuEngine()
            .fillParam(
                p,
                Datagram.udp(
                    IpAddress.parse("192.0.2.1"), 2152, IpAddress.parse("10.0.0.1"), 2152, packet));
    return r.isMatch()
        ? java.util.HexFormat.of().formatHex(p.peDataCopy().toByteArray())
        : "!" + r.reason();
  }

  @Test
  void gpdu_andEndMarker_areKeyedOnTheTeid() {
    assertEquals("1a2b3c4d", outcome(GtpuPackets.gpdu(0x1a2b3c4dL, 1)));
    assertEquals("1a2b3c4d", outcome(GtpuPackets.gpduWithSequence(0x1a2b3c4dL, 9)));
    assertEquals("1a2b3c4d", outcome(GtpuPackets.endMarker(0x1a2b3c4dL)));
  }

  @Test
  void echoAndOthers_giveNoMatch() {
    assertEquals("!TEID 0", outcome(GtpuPackets.echoRequest(5)));
    byte[] errorIndication = Bytes.of().u8(0x32).u8(26).u16(4).u32(0).u16(1).u8(0).u8(0).build();
    assertEquals("!TEID 0", outcome(errorIndication));
    byte[] supported = Bytes.of().u8(0x30).u8(31).u16(0).u32(5).build();
    assertEquals("!not a tunnel message", outcome(supported));
    assertEquals(
        "!not GTPv1-U", outcome(Bytes.of().u8(0x20).u8(255).u16(0).u32(5).build())); // GTP' (PT 0)
    assertEquals(
        "!not GTPv1-U", outcome(Bytes.of().u8(0x50).u8(255).u16(0).u32(5).build())); // version 2
    assertEquals("!truncated GTP-U packet", outcome(new byte[] {0x30, (byte) 255, 0}));
    byte[] g = GtpuPackets.gpdu(7, 1);
    assertEquals("!truncated GTP-U packet", outcome(java.util.Arrays.copyOf(g, g.length - 1)));
  }

  @Test
  void showPeData_printsTheTeidInHex() {
    io.pe4j.api.PeData teid = io.pe4j.api.PeData.of(new byte[] {0x1a, 0x2b, 0x3c, 0x4d});
    assertEquals(
        "0x1a2b3c4d",
        new GtpuEngine().showPeData(io.pe4j.api.TemplateView.detached(new GtpuEngine(), teid)));
  }
}
