package io.pe4j.testkit;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * Seeded SIP message generators: realistic requests and responses, whole call flows
 * (INVITE/100/180/200/ACK/BYE/200, CANCEL, REGISTER with a challenge, OPTIONS), meaning-preserving
 * variations (compact names, name case, whitespace around the colon, folding, bare LF, leading
 * CRLF, header order, bodies with fake header lines) and adversarial ones (truncation, differing
 * duplicate Call-IDs, other protocols).
 */
public final class SipGen {

  private static final String WORD =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~()<>:\\\"/[]?{}";

  private final Gen gen;

  /** Creates a generator drawing from {@code gen}. */
  public SipGen(Gen gen) {
    this.gen = gen;
  }

  /** A header: long name, compact name (or the long one), value. */
  private record Header(String name, String compact, String value) {}

  /** A message before rendering. */
  private record Message(String startLine, List<Header> headers, String body) {}

  /** Returns a random Call-ID: {@code word} or {@code word@word}, 1..64 characters. */
  public String callId() {
    int n = 4 + gen.nextInt(40);
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(WORD.charAt(gen.nextInt(WORD.length())));
    }
    if (gen.chance(0.7)) {
      sb.append('@').append("host").append(gen.nextInt(1000)).append(".example.org");
    }
    return sb.toString();
  }

  private Message request(String method, String callId, int cseq, String body) {
    List<Header> h = new ArrayList<>();
    h.add(
        new Header(
            "Via",
            "v",
            "SIP/2.0/UDP 198.51.100."
                + (1 + gen.nextInt(250))
                + ":5060;branch=z9hG4bK"
                + Long.toHexString(gen.random().nextLong())));
    h.add(new Header("Max-Forwards", "Max-Forwards", "70"));
    h.add(new Header("To", "t", "Bob <sip:bob@example.com>"));
    h.add(new Header("From", "f", "Alice <sip:alice@example.org>;tag=" + gen.nextInt(1 << 30)));
    h.add(new Header("Call-ID", "i", callId));
    h.add(new Header("CSeq", "CSeq", cseq + " " + method));
    h.add(new Header("Contact", "m", "<sip:alice@198.51.100.10:5060>"));
    if (!body.isEmpty()) {
      h.add(new Header("Content-Type", "c", "application/sdp"));
    }
    h.add(new Header("Content-Length", "l", Integer.toString(body.length())));
    String uri = method.equals("REGISTER") ? "sip:example.com" : "sip:bob@example.com";
    return new Message(method + " " + uri + " SIP/2.0", h, body);
  }

  private Message response(int code, String reason, String callId, int cseq, String method) {
    List<Header> h = new ArrayList<>();
    h.add(
        new Header(
            "Via", "v", "SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK" + gen.nextInt(1 << 30)));
    h.add(new Header("To", "t", "Bob <sip:bob@example.com>;tag=" + gen.nextInt(1 << 30)));
    h.add(new Header("From", "f", "Alice <sip:alice@example.org>;tag=" + gen.nextInt(1 << 30)));
    h.add(new Header("Call-ID", "i", callId));
    h.add(new Header("CSeq", "CSeq", cseq + " " + method));
    if (code == 401) {
      h.add(
          new Header(
              "WWW-Authenticate",
              "WWW-Authenticate",
              "Digest realm=\"example.com\", nonce=\"" + gen.random().nextInt() + "\""));
    }
    h.add(new Header("Content-Length", "l", "0"));
    return new Message("SIP/2.0 " + code + " " + reason, h, "");
  }

  private static String sdp() {
    return "v=0\r\no=alice 2890844526 2890844526 IN IP4 198.51.100.10\r\ns=-\r\nc=IN IP4 198.51.100.10\r\n"
        + "t=0 0\r\nm=audio 49170 RTP/AVP 0\r\na=rtpmap:0 PCMU/8000\r\n";
  }

  /**
   * Returns a whole session of one Call-ID, in wire form: a call, a cancel, a registration or an
   * OPTIONS.
   */
  public List<byte[]> session() {
    String id = callId();
    List<Message> flow = new ArrayList<>();
    switch (gen.nextInt(4)) {
      case 0:
        flow.add(request("INVITE", id, 1, sdp()));
        flow.add(response(100, "Trying", id, 1, "INVITE"));
        flow.add(response(180, "Ringing", id, 1, "INVITE"));
        flow.add(response(200, "OK", id, 1, "INVITE"));
        flow.add(request("ACK", id, 1, ""));
        flow.add(request("BYE", id, 2, ""));
        flow.add(response(200, "OK", id, 2, "BYE"));
        break;
      case 1:
        flow.add(request("INVITE", id, 1, sdp()));
        flow.add(response(100, "Trying", id, 1, "INVITE"));
        flow.add(request("CANCEL", id, 1, ""));
        flow.add(response(200, "OK", id, 1, "CANCEL"));
        flow.add(response(487, "Request Terminated", id, 1, "INVITE"));
        flow.add(request("ACK", id, 1, ""));
        break;
      case 2:
        flow.add(request("REGISTER", id, 1, ""));
        flow.add(response(401, "Unauthorized", id, 1, "REGISTER"));
        flow.add(request("REGISTER", id, 2, ""));
        flow.add(response(200, "OK", id, 2, "REGISTER"));
        break;
      default:
        flow.add(request("OPTIONS", id, 1, ""));
        flow.add(response(200, "OK", id, 1, "OPTIONS"));
        break;
    }
    List<byte[]> out = new ArrayList<>();
    for (Message m : flow) {
      out.add(render(m, gen.chance(0.5)));
    }
    return out;
  }

  /** Returns one well-formed message (a request or a response) with the given Call-ID. */
  public byte[] message(String callId) {
    Message m =
        gen.chance(0.5)
            ? request("INVITE", callId, 1 + gen.nextInt(100), gen.chance(0.5) ? sdp() : "")
            : response(200, "OK", callId, 1, "INVITE");
    return render(m, false);
  }

  /**
   * Returns the same message as {@link #message(String)} would, rendered with random
   * meaning-preserving variations.
   */
  public byte[] variant(String callId) {
    Message m =
        request(
            "INVITE",
            callId,
            1,
            gen.chance(0.5) ? sdp() + "Call-ID: not-this-one\r\ni: nor-this\r\n" : "");
    return render(m, true);
  }

  private byte[] render(Message m, boolean vary) {
    List<Header> headers = new ArrayList<>(m.headers());
    if (vary) {
      Collections.shuffle(headers, gen.random());
    }
    String eol = vary && gen.chance(0.2) ? "\n" : "\r\n";
    StringBuilder sb = new StringBuilder();
    if (vary && gen.chance(0.2)) {
      sb.append("\r\n");
    }
    sb.append(m.startLine()).append(eol);
    for (Header h : headers) {
      String name = vary && gen.chance(0.5) ? h.compact() : h.name();
      if (vary && gen.chance(0.3)) {
        name =
            gen.chance(0.5)
                ? name.toUpperCase(java.util.Locale.ROOT)
                : name.toLowerCase(java.util.Locale.ROOT);
      }
      String before = vary && gen.chance(0.2) ? " \t".substring(0, 1 + gen.nextInt(2)) : "";
      String after =
          vary && gen.chance(0.2)
              ? eol + " \t".substring(0, 1 + gen.nextInt(2))
              : vary && gen.chance(0.3) ? "\t" : " ";
      sb.append(name).append(before).append(':').append(after).append(h.value()).append(eol);
    }
    sb.append(eol).append(m.body());
    return sb.toString().getBytes(StandardCharsets.ISO_8859_1);
  }

  /**
   * Returns an adversarial datagram: a truncated or byte-mutated message, differing duplicate
   * Call-IDs, or another protocol.
   */
  public byte[] adversarial() {
    byte[] base = message(callId());
    switch (gen.nextInt(5)) {
      case 0:
        return gen.truncation(base);
      case 1:
        return gen.mutation(base);
      case 2:
        return render(
            new Message(
                "INVITE sip:bob@example.com SIP/2.0",
                List.of(new Header("Call-ID", "i", "a@h"), new Header("Call-ID", "i", "b@h")),
                ""),
            false);
      case 3:
        byte[] stun = gen.bytes(20 + 4 * gen.nextInt(8));
        stun[0] = 0x00;
        stun[1] = 0x01;
        stun[4] = 0x21;
        stun[5] = 0x12;
        stun[6] = (byte) 0xa4;
        stun[7] = 0x42;
        return stun;
      default:
        return "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
    }
  }
}
