package io.pe4j.engine.examples;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.nio.ByteBuffer;

/**
 * The {@code quic} engine: keys templates on the QUIC Destination Connection ID (RFC 9000 §17, RFC
 * 8999 invariants), so that a connection keeps its server when the client's address changes (use
 * {@code -M 0.0.0.0}).
 *
 * <pre>
 * Long header (RFC 8999 §5.1)            Short header (RFC 8999 §5.2)
 *  0: 1 . . . . . . .  form=1             0: 0 . . . . . . .  form=0
 *  1: Version (32)                        1: DCID (length known only to the endpoints;
 *  5: DCID Len (8)                           configured here, default 8)
 *  6: DCID (0..255 bytes)
 *  .: SCID Len (8), SCID ...
 * </pre>
 *
 * <p>Version Negotiation packets (version 0) and packets too short for their DCID give no match.
 *
 * <p><b>Note:</b> a client's very first Initial packets carry a DCID the client chose; from then on
 * it uses the server's connection ID. A cluster that must keep those first packets on the same
 * server needs server IDs encoded in connection IDs (QUIC-LB); this engine keys on what it sees.
 */
public final class QuicEngine implements PersistenceEngine {

  /** No match: not UDP. */
  public static final PeResult NOT_UDP = PeResult.noMatch("not UDP");

  /** No match: an empty datagram. */
  public static final PeResult EMPTY = PeResult.noMatch("empty datagram");

  /** No match: a Version Negotiation packet (version 0), which has no stable connection ID. */
  public static final PeResult VERSION_NEGOTIATION = PeResult.noMatch("version negotiation");

  /** No match: the packet ends before its Destination Connection ID does. */
  public static final PeResult TOO_SHORT = PeResult.noMatch("too short for DCID");

  /** No match: a zero-length Destination Connection ID. */
  public static final PeResult EMPTY_DCID = PeResult.noMatch("zero-length DCID");

  // Long header layout (RFC 8999 §5.1)
  private static final int FORM_BIT = 0x80;
  private static final int VERSION_OFFSET = 1;
  private static final int DCID_LENGTH_OFFSET = 5;
  private static final int DCID_OFFSET = 6;

  private final int shortHeaderDcidLength;

  /**
   * Creates the engine with 8-byte connection IDs in short headers, as selected by {@code --pe
   * quic}.
   */
  public QuicEngine() {
    this(8);
  }

  private QuicEngine(int shortHeaderDcidLength) {
    this.shortHeaderDcidLength = shortHeaderDcidLength;
  }

  /** Returns a builder for engines with other settings. */
  public static Builder builder() {
    return new Builder();
  }

  /** Builds a {@link QuicEngine}. */
  public static final class Builder {
    private int shortHeaderDcidLength = 8;

    private Builder() {}

    /**
     * Sets the connection ID length the servers issue, which short headers do not carry.
     *
     * @throws IllegalArgumentException unless 1..20 (RFC 9000 §17.2's maximum for version 1)
     */
    public Builder shortHeaderDcidLength(int length) {
      if (length < 1 || length > 20) {
        throw new IllegalArgumentException("short-header DCID length must be 1..20: " + length);
      }
      this.shortHeaderDcidLength = length;
      return this;
    }

    /** Returns the engine. */
    public QuicEngine build() {
      return new QuicEngine(shortHeaderDcidLength);
    }
  }

  @Override
  public String name() {
    return "quic";
  }

  @Override
  public String description() {
    return "QUIC Destination Connection ID (RFC 9000), short headers "
        + shortHeaderDcidLength
        + " bytes";
  }

  @Override
  public PeResult fillParam(ConnParam param, Datagram d) {
    if (d.protocol() != Protocol.UDP) {
      return NOT_UDP;
    }
    ByteBuffer b = d.payload();
    int o = d.payloadOffset();
    int n = d.payloadLength();
    if (n == 0) {
      return EMPTY;
    }
    if ((b.get(o) & FORM_BIT) == 0) {
      return n < 1 + shortHeaderDcidLength
          ? TOO_SHORT
          : param.match(b, o + 1, shortHeaderDcidLength);
    }
    if (n < DCID_OFFSET) {
      return TOO_SHORT;
    }
    if (b.getInt(o + VERSION_OFFSET) == 0) {
      return VERSION_NEGOTIATION;
    }
    int dcidLength = b.get(o + DCID_LENGTH_OFFSET) & 0xff;
    if (dcidLength == 0) {
      return EMPTY_DCID;
    }
    return n < DCID_OFFSET + dcidLength ? TOO_SHORT : param.match(b, o + DCID_OFFSET, dcidLength);
  }

  /** Prints the connection ID in hex, as QUIC tools do. */
  @Override
  public String showPeData(io.pe4j.api.TemplateView template) {
    io.pe4j.api.PeData data = template.peData();
    return data == null ? "" : Hex.of(data);
  }
}
