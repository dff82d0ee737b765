package io.pe4j.engine.examples;

/** GTP-U packets written by hand from 3GPP TS 29.281 §5.1 and §7. */
final class GtpuPackets {
  private GtpuPackets() {}

  /** An inner IPv4/UDP packet the tunnel carries (RFC 791 header, 20 bytes, plus UDP). */
  static byte[] innerPacket(int id) {
    return Bytes.of()
        .hex("4500")
        .u16(28)
        .u16(id)
        .hex("0000401100000a2d0001c0a80001")
        .u16(1234)
        .u16(53)
        .u16(8)
        .u16(0)
        .build();
  }

  /** A G-PDU (message type 255) without optional fields. */
  static byte[] gpdu(long teid, int innerId) {
    byte[] inner = innerPacket(innerId);
    return Bytes.of()
        .u8(0x30) // Version 1, PT 1, E 0, S 0, PN 0
        .u8(255) // Message Type: G-PDU
        .u16(inner.length) // Length: after the mandatory 8 bytes
        .u32(teid) // Tunnel Endpoint Identifier
        .raw(inner)
        .build();
  }

  /** A G-PDU with the sequence number present (S = 1): 4 optional octets count in Length. */
  static byte[] gpduWithSequence(long teid, int sequence) {
    byte[] inner = innerPacket(sequence);
    return Bytes.of()
        .u8(0x32) // Version 1, PT 1, S 1
        .u8(255)
        .u16(4 + inner.length)
        .u32(teid)
        .u16(sequence) // Sequence Number
        .u8(0) // N-PDU Number
        .u8(0) // Next Extension Header Type: none
        .raw(inner)
        .build();
  }

  /** An End Marker (message type 254) closing the tunnel. */
  static byte[] endMarker(long teid) {
    return Bytes.of().u8(0x30).u8(254).u16(0).u32(teid).build();
  }

  /** An Echo Request (message type 1): TEID 0, sequence number present. */
  static byte[] echoRequest(int sequence) {
    return Bytes.of().u8(0x32).u8(1).u16(4).u32(0).u16(sequence).u8(0).u8(0).build();
  }
}
