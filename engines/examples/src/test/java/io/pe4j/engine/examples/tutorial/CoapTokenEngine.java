package io.pe4j.engine.examples.tutorial;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.nio.ByteBuffer;

/**
 * The engine of the "write an engine in 15 minutes" guide: CoAP (RFC 7252) requests keyed on their
 * Token.
 */
// tag::engine[]
public final class CoapTokenEngine implements PersistenceEngine {

  // No-match results are constants: the per-datagram path allocates nothing.
  static final PeResult NOT_UDP = PeResult.noMatch("not UDP");
  static final PeResult NOT_COAP = PeResult.noMatch("not CoAP version 1");
  static final PeResult NO_TOKEN = PeResult.noMatch("no token");

  @Override
  public String name() {
    return "coap"; // what --pe selects: 1..16 printable ASCII characters
  }

  @Override
  public PeResult fillParam(ConnParam param, Datagram datagram) {
    if (datagram.protocol() != Protocol.UDP) {
      return NOT_UDP;
    }
    ByteBuffer b = datagram.payload(); // the caller's buffer: absolute gets only, no copy
    int offset = datagram.payloadOffset();
    int length = datagram.payloadLength();
    // RFC 7252 §3: Ver (2 bits) = 1 | Type (2) | Token Length (4), Code, Message ID (16), Token
    if (length < 4 || (b.get(offset) & 0xc0) != 0x40) {
      return NOT_COAP;
    }
    int tokenLength = b.get(offset) & 0x0f;
    if (tokenLength == 0 || tokenLength > 8 || length < 4 + tokenLength) {
      return NO_TOKEN;
    }
    return param.match(
        b, offset + 4, tokenLength); // the pe data: a window, copied only for a new template
  }
}
// end::engine[]
