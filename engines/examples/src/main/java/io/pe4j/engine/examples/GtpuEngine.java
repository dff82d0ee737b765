package io.pe4j.engine.examples;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.nio.ByteBuffer;

/**
 * The {@code gtpu} engine: keys templates on the Tunnel Endpoint Identifier of GTP-U packets (3GPP
 * TS 29.281 §5.1), so that a tunnel's packets reach one user-plane server.
 *
 * <pre>
 *  0: Version (3) = 1 | PT (1) = 1 | spare | E | S | PN
 *  1: Message Type (8): 255 G-PDU, 254 End Marker, 1/2 Echo Request/Response, 26 Error Indication
 *  2: Length (16): octets after the mandatory 8-byte header
 *  4: TEID (32)
 * </pre>
 *
 * <p>G-PDU and End Marker packets with a non-zero TEID match. Echo and other path-management
 * messages carry TEID 0 and give no match, as do GTP' (PT = 0), other versions and packets shorter
 * than their Length field.
 */
public final class GtpuEngine implements PersistenceEngine {

  /** No match: not UDP. */
  public static final PeResult NOT_UDP = PeResult.noMatch("not UDP");

  /** No match: shorter than the 8-byte header or than its Length field says. */
  public static final PeResult TRUNCATED = PeResult.noMatch("truncated GTP-U packet");

  /** No match: not GTP version 1 with PT = 1. */
  public static final PeResult NOT_GTPU = PeResult.noMatch("not GTPv1-U");

  /** No match: TEID 0 (echo, error indication and other path management). */
  public static final PeResult TEID_ZERO = PeResult.noMatch("TEID 0");

  /** No match: a message type that does not belong to a tunnel. */
  public static final PeResult NOT_TUNNEL = PeResult.noMatch("not a tunnel message");

  private static final int HEADER_LENGTH = 8;
  private static final int VERSION_PT_MASK = 0xf0;
  private static final int VERSION_1_PT_1 = 0x30;
  private static final int G_PDU = 255;
  private static final int END_MARKER = 254;
  private static final int TEID_OFFSET = 4;

  /** Creates the engine. */
  public GtpuEngine() {}

  @Override
  public String name() {
    return "gtpu";
  }

  @Override
  public String description() {
    return "GTP-U tunnel endpoint identifier (3GPP TS 29.281)";
  }

  @Override
  public PeResult fillParam(ConnParam param, Datagram d) {
    if (d.protocol() != Protocol.UDP) {
      return NOT_UDP;
    }
    ByteBuffer b = d.payload();
    int o = d.payloadOffset();
    int n = d.payloadLength();
    if (n < HEADER_LENGTH) {
      return TRUNCATED;
    }
    if ((b.get(o) & VERSION_PT_MASK) != VERSION_1_PT_1) {
      return NOT_GTPU;
    }
    int length = ((b.get(o + 2) & 0xff) << 8) | (b.get(o + 3) & 0xff);
    if (HEADER_LENGTH + length > n) {
      return TRUNCATED;
    }
    if ((b.get(o + TEID_OFFSET) | b.get(o + 5) | b.get(o + 6) | b.get(o + 7)) == 0) {
      return TEID_ZERO;
    }
    int type = b.get(o + 1) & 0xff;
    if (type != G_PDU && type != END_MARKER) {
      return NOT_TUNNEL;
    }
    return param.match(b, o + TEID_OFFSET, 4);
  }

  /** Prints the TEID as {@code 0x} and eight hex digits. */
  @Override
  public String showPeData(io.pe4j.api.TemplateView template) {
    io.pe4j.api.PeData data = template.peData();
    return data == null ? "" : "0x" + Hex.of(data);
  }
}
