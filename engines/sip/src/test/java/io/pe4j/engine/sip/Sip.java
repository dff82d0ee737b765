package io.pe4j.engine.sip;

import static java.nio.charset.StandardCharsets.ISO_8859_1;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeResult;
import java.nio.ByteBuffer;

/** Test helpers: messages and a one-call view of the engine's outcome. */
final class Sip {

  static final SipEngine ENGINE = new SipEngine();
  static final IpAddress CLIENT = IpAddress.parse("198.51.100.10");
  static final IpAddress VIP = IpAddress.parse("10.0.0.1");

  private Sip() {}

  /** An INVITE start line, the given header lines (CRLF-terminated) and the empty line. */
  static String request(String... headerLines) {
    StringBuilder sb = new StringBuilder("INVITE sip:bob@example.com SIP/2.0\r\n");
    for (String line : headerLines) {
      sb.append(line).append("\r\n");
    }
    return sb.append("\r\n").toString();
  }

  /** Returns {@code =VALUE} on a match, {@code !REASON} otherwise. */
  static String outcome(String message) {
    return outcome(ENGINE, message.getBytes(ISO_8859_1));
  }

  static String outcome(SipEngine engine, byte[] bytes) {
    ConnParam param = new ConnParam();
    PeResult r = engine.fillParam(param, Datagram.udp(CLIENT, 5060, VIP, 5060, bytes));
    return describe(param, r);
  }

  /**
   * Returns the outcome for a payload placed at {@code offset} of a larger heap or direct buffer.
   */
  static String outcomeIn(byte[] bytes, int offset, int slack, boolean direct, byte filler) {
    ByteBuffer buf =
        direct
            ? ByteBuffer.allocateDirect(offset + bytes.length + slack)
            : ByteBuffer.allocate(offset + bytes.length + slack);
    for (int i = 0; i < buf.capacity(); i++) {
      buf.put(i, filler);
    }
    for (int i = 0; i < bytes.length; i++) {
      buf.put(offset + i, bytes[i]);
    }
    ConnParam param = new ConnParam();
    Datagram d =
        new Datagram()
            .set(io.pe4j.api.Protocol.UDP, CLIENT, 5060, VIP, 5060)
            .payload(buf, offset, bytes.length);
    return describe(param, ENGINE.fillParam(param, d));
  }

  private static String describe(ConnParam param, PeResult r) {
    if (!r.isMatch()) {
      return "!" + r.reason();
    }
    return "=" + new String(param.peDataCopy().toByteArray(), ISO_8859_1);
  }
}
