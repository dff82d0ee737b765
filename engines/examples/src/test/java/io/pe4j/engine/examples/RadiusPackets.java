package io.pe4j.engine.examples;

/** RADIUS packets written by hand from RFC 2865 §3, §5 and RFC 2866 §3. */
final class RadiusPackets {
  private RadiusPackets() {}

  static final int ACCESS_REQUEST = 1;
  static final int ACCOUNTING_REQUEST = 4;

  /** An attribute: Type, Length (value + 2), Value. */
  static byte[] attribute(int type, byte[] value) {
    return Bytes.of().u8(type).u8(value.length + 2).raw(value).build();
  }

  static byte[] attribute(int type, String value) {
    return attribute(type, value.getBytes(java.nio.charset.StandardCharsets.US_ASCII));
  }

  /** A packet: Code, Identifier, Length, 16-byte Authenticator, then the attributes. */
  static byte[] packet(int code, int identifier, byte[]... attributes) {
    Bytes attrs = Bytes.of();
    for (byte[] a : attributes) {
      attrs.raw(a);
    }
    byte[] body = attrs.build();
    return Bytes.of()
        .u8(code) // Code
        .u8(identifier) // Identifier
        .u16(20 + body.length) // Length
        .hex("0f1e2d3c4b5a69788796a5b4c3d2e1f0") // Request Authenticator
        .raw(body)
        .build();
  }

  /**
   * One EAP round of a station: User-Name (1), Calling-Station-Id (31), State (24), EAP-Message
   * (79), Message-Authenticator (80).
   */
  static byte[] eapRound(int identifier, String user, String station, int round) {
    return packet(
        ACCESS_REQUEST,
        identifier,
        attribute(1, user),
        attribute(4, new byte[] {(byte) 192, 0, 2, 1}), // NAS-IP-Address
        attribute(31, station),
        attribute(24, "state-" + round),
        attribute(79, new byte[] {2, (byte) round, 0, 6, 1, 'x'}), // EAP-Response/Identity
        attribute(80, new byte[16])); // Message-Authenticator
  }

  /** An Accounting-Request Start (RFC 2866): Acct-Status-Type (40) = 1, Acct-Session-Id (44). */
  static byte[] accountingStart(int identifier, String user, String station) {
    return packet(
        ACCOUNTING_REQUEST,
        identifier,
        attribute(40, new byte[] {0, 0, 0, 1}),
        attribute(44, "sess-" + identifier),
        attribute(1, user),
        attribute(31, station));
  }
}
