package io.pe4j.core.scenarios;

import java.nio.charset.StandardCharsets;

/** Realistic SIP messages for tests and simulations. */
public final class SipMessages {

  private SipMessages() {}

  /**
   * Returns the INVITE of {@code docs/ipvs-semantics.md} §13.0, {@code M(id)}, with the given
   * Call-ID header line value.
   */
  public static byte[] invite(String callId) {
    return inviteWithHeader("Call-ID: " + callId);
  }

  /**
   * Returns the §13.0 INVITE with {@code callIdLine} (a whole header line) in the Call-ID's place.
   */
  public static byte[] inviteWithHeader(String callIdLine) {
    return ("INVITE sip:bob@example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK776\r\n"
            + "Max-Forwards: 70\r\n"
            + "To: <sip:bob@example.com>\r\n"
            + "From: <sip:alice@example.org>;tag=1928301774\r\n"
            + callIdLine
            + "\r\n"
            + "CSeq: 314159 INVITE\r\n"
            + "Content-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Returns a response ({@code SIP/2.0 CODE REASON}) with the Call-ID. */
  public static byte[] response(int code, String reason, String callId, String method) {
    return ("SIP/2.0 "
            + code
            + " "
            + reason
            + "\r\n"
            + "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK776\r\n"
            + "To: <sip:bob@example.com>;tag=a6c85cf\r\n"
            + "From: <sip:alice@example.org>;tag=1928301774\r\n"
            + "Call-ID: "
            + callId
            + "\r\n"
            + "CSeq: 314159 "
            + method
            + "\r\n"
            + "Content-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  /** Returns an in-dialog request ({@code ACK}, {@code BYE}...) with the Call-ID. */
  public static byte[] request(String method, String callId, int cseq) {
    return (method
            + " sip:bob@192.0.2.4 SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK"
            + Integer.toHexString(cseq * 7919)
            + "\r\n"
            + "Max-Forwards: 70\r\n"
            + "To: <sip:bob@example.com>;tag=a6c85cf\r\n"
            + "From: <sip:alice@example.org>;tag=1928301774\r\n"
            + "Call-ID: "
            + callId
            + "\r\n"
            + "CSeq: "
            + cseq
            + " "
            + method
            + "\r\n"
            + "Content-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }
}
