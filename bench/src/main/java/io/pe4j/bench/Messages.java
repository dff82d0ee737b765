package io.pe4j.bench;

import java.nio.charset.StandardCharsets;

/** Realistic SIP messages for the extraction benchmark, identical for every extractor. */
final class Messages {
  private Messages() {}

  static final String CALL_ID = "a84b4c76e66710@pc33.atlanta.example.com";

  private static final String VIA =
      "Via: SIP/2.0/UDP pc33.atlanta.example.com:5060;branch=z9hG4bK776asdhds;rport\r\n";
  private static final String FROM =
      "From: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n";
  private static final String TO = "To: Bob <sip:bob@biloxi.example.com>\r\n";

  static byte[] get(String name) {
    String m;
    switch (name) {
      case "invite-sdp":
        String sdp =
            "v=0\r\no=alice 2890844526 2890844526 IN IP4 pc33.atlanta.example.com\r\ns=Session SDP\r\n"
                + "c=IN IP4 pc33.atlanta.example.com\r\nt=0 0\r\nm=audio 49172 RTP/AVP 0 8 97 101\r\na=rtpmap:0 PCMU/8000\r\n"
                + "a=rtpmap:8 PCMA/8000\r\na=rtpmap:97 iLBC/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-15\r\n"
                + "a=ptime:20\r\na=sendrecv\r\n";
        m =
            "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
                + VIA
                + "Max-Forwards: 70\r\n"
                + TO
                + FROM
                + "Call-ID: "
                + CALL_ID
                + "\r\nCSeq: 314159 INVITE\r\nContact: <sip:alice@pc33.atlanta.example.com>\r\n"
                + "Allow: INVITE, ACK, CANCEL, OPTIONS, BYE, REFER, NOTIFY, MESSAGE, SUBSCRIBE, INFO\r\n"
                + "Supported: replaces, timer\r\nUser-Agent: pe4j-bench/1.0\r\nContent-Type: application/sdp\r\n"
                + "Content-Length: "
                + sdp.length()
                + "\r\n\r\n"
                + sdp;
        break;
      case "ok-200":
        m =
            "SIP/2.0 200 OK\r\n"
                + VIA
                + TO.replace("\r\n", ";tag=a6c85cf\r\n")
                + FROM
                + "Call-ID: "
                + CALL_ID
                + "\r\nCSeq: 314159 INVITE\r\nContact: <sip:bob@192.0.2.4>\r\nContent-Length: 0\r\n\r\n";
        break;
      case "ack":
        m =
            "ACK sip:bob@192.0.2.4 SIP/2.0\r\n"
                + VIA.replace("776asdhds", "ack1")
                + "Max-Forwards: 70\r\n"
                + TO.replace("\r\n", ";tag=a6c85cf\r\n")
                + FROM
                + "Call-ID: "
                + CALL_ID
                + "\r\nCSeq: 314159 ACK\r\nContent-Length: 0\r\n\r\n";
        break;
      case "bye":
        m =
            "BYE sip:bob@192.0.2.4 SIP/2.0\r\n"
                + VIA.replace("776asdhds", "bye2")
                + "Max-Forwards: 70\r\n"
                + TO.replace("\r\n", ";tag=a6c85cf\r\n")
                + FROM
                + "Call-ID: "
                + CALL_ID
                + "\r\nCSeq: 231 BYE\r\nContent-Length: 0\r\n\r\n";
        break;
      case "compact":
        m =
            "INVITE sip:bob@biloxi.example.com SIP/2.0\r\nv: SIP/2.0/UDP pc33.atlanta.example.com;branch=z9hG4bKnashds8\r\n"
                + "t: Bob <sip:bob@biloxi.example.com>\r\nf: Alice <sip:alice@atlanta.example.com>;tag=1928301774\r\n"
                + "i: "
                + CALL_ID
                + "\r\nCSeq: 314159 INVITE\r\nm: <sip:alice@pc33.atlanta.example.com>\r\nl: 0\r\n\r\n";
        break;
      case "callid-last":
        m =
            "INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
                + VIA
                + "Max-Forwards: 70\r\n"
                + TO
                + FROM
                + "CSeq: 314159 INVITE\r\nContact: <sip:alice@pc33.atlanta.example.com>\r\nContent-Length: 0\r\n"
                + "Call-ID: "
                + CALL_ID
                + "\r\n\r\n";
        break;
      default:
        throw new IllegalArgumentException(name);
    }
    return m.getBytes(StandardCharsets.US_ASCII);
  }

  /**
   * The INVITE of the per-datagram benchmarks, with a Call-ID made from {@code id} (16 hex digits).
   */
  static byte[] invite(long id) {
    return ("INVITE sip:bob@biloxi.example.com SIP/2.0\r\n"
            + VIA
            + "Max-Forwards: 70\r\n"
            + TO
            + FROM
            + "Call-ID: "
            + callId(id)
            + "\r\nCSeq: 314159 INVITE\r\nContact: <sip:alice@pc33.atlanta.example.com>\r\n"
            + "Content-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }

  static String callId(long id) {
    return String.format("%016x@pc33.atlanta.example.com", id);
  }
}
