package io.pe4j.engine.examples;

/** QUIC packets written by hand from RFC 9000 §17 and RFC 8999 §5. */
final class QuicPackets {
  private QuicPackets() {}

  /** A client Initial (RFC 9000 §17.2.2): long header, type 0, with the client-chosen DCID. */
  static byte[] initial(String dcidHex, String scidHex) {
    return Bytes.of()
        .u8(0xC3) // Header Form 1, Fixed Bit 1, Long Packet Type 00 (Initial), Reserved 00, PN
        // Length 11 (4 bytes)
        .u32(0x00000001) // Version 1
        .u8(dcidHex.length() / 2)
        .hex(dcidHex) // Destination Connection ID Length, DCID
        .u8(scidHex.length() / 2)
        .hex(scidHex) // Source Connection ID Length, SCID
        .u8(0x00) // Token Length (varint 0)
        .u16(0x4000 | 24) // Length (2-byte varint): packet number + payload
        .u32(0) // Packet Number
        .zeros(20) // protected payload (CRYPTO frame, padding)
        .build();
  }

  /** A client Handshake packet (RFC 9000 §17.2.4), DCID = the server's connection ID. */
  static byte[] handshake(String dcidHex, String scidHex) {
    return Bytes.of()
        .u8(0xE3) // Header Form 1, Fixed Bit 1, Long Packet Type 10 (Handshake), PN Length 4
        .u32(0x00000001) // Version 1
        .u8(dcidHex.length() / 2)
        .hex(dcidHex)
        .u8(scidHex.length() / 2)
        .hex(scidHex)
        .u16(0x4000 | 20) // Length
        .u32(1) // Packet Number
        .zeros(16)
        .build();
  }

  /** A 1-RTT packet (RFC 9000 §17.3.1): short header, DCID of the server's chosen length. */
  static byte[] shortHeader(String dcidHex, int packetNumber) {
    return Bytes.of()
        .u8(0x43) // Header Form 0, Fixed Bit 1, Spin 0, Reserved 00, Key Phase 0, PN Length 11
        .hex(dcidHex) // Destination Connection ID (no length on the wire)
        .u32(packetNumber) // Packet Number
        .zeros(24) // protected payload
        .build();
  }

  /** A Version Negotiation packet (RFC 8999 §6): long header with version 0. */
  static byte[] versionNegotiation(String dcidHex, String scidHex) {
    return Bytes.of()
        .u8(0x80 | 0x2a) // Header Form 1, the rest unused
        .u32(0) // Version 0: Version Negotiation
        .u8(dcidHex.length() / 2)
        .hex(dcidHex)
        .u8(scidHex.length() / 2)
        .hex(scidHex)
        .u32(0x00000001) // Supported Version: 1
        .build();
  }
}
