package io.pe4j.engine.sip;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeData;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;

/**
 * The {@code sip} persistence engine: its pe data is the SIP Call-ID, so that every datagram of one
 * call reaches the same real server (the kernel's {@code ip_vs_pe_sip}).
 *
 * <p>Extraction follows {@code docs/sip-call-id.md}: a start-line gate, header section only, long
 * ({@code Call-ID}) and compact ({@code i}) names in any case, folding, CRLF or bare LF, duplicates
 * accepted only when byte-identical, and a maximum length (255 by default, the kernel's {@code
 * IP_VS_PEDATA_MAXLEN}). The scan runs in place over the caller's bytes and allocates nothing (a
 * Call-ID folded over several lines is joined in a buffer of the thread's own).
 *
 * <p>Selected by name with {@code --pe sip}; {@link #withMaxLength(int)} gives a stricter limit.
 */
public final class SipEngine implements PersistenceEngine {

  /** The engine's name. */
  public static final String NAME = "sip";

  /** No match: the datagram is not UDP (the kernel's engine also refuses TCP). */
  public static final PeResult NOT_UDP = PeResult.noMatch("not UDP");

  /** No match: an empty datagram or a CRLF keep-alive (RFC 5626). */
  public static final PeResult KEEP_ALIVE = PeResult.noMatch("empty or keep-alive");

  /** No match: no SIP/2.0 request or status line (STUN, RTP, HTTP, random bytes...). */
  public static final PeResult NOT_SIP = PeResult.noMatch("not SIP");

  /** No match: a SIP message without a Call-ID header. */
  public static final PeResult NO_CALL_ID = PeResult.noMatch("no Call-ID");

  /** No match: several Call-ID headers whose values differ (RFC 4475 {@code multi01}). */
  public static final PeResult CALL_IDS_DIFFER = PeResult.noMatch("duplicate Call-IDs differ");

  /** No match: the datagram ends inside the Call-ID header, so the value may be cut. */
  public static final PeResult TRUNCATED = PeResult.noMatch("truncated Call-ID");

  /** No match: a Call-ID header with an empty value. */
  public static final PeResult EMPTY_CALL_ID = PeResult.noMatch("empty Call-ID");

  /** No match: a Call-ID longer than the engine's maximum. */
  public static final PeResult TOO_LONG = PeResult.noMatch("Call-ID too long");

  private final int maxLength;

  /** Creates the engine with the kernel's maximum Call-ID length, 255 bytes. */
  public SipEngine() {
    this(PeData.MAX_LENGTH);
  }

  private SipEngine(int maxLength) {
    this.maxLength = maxLength;
  }

  /**
   * Returns an engine that refuses Call-IDs longer than {@code maxLength} bytes.
   *
   * @throws IllegalArgumentException unless {@code maxLength} is 1..255
   */
  public static SipEngine withMaxLength(int maxLength) {
    if (maxLength < 1 || maxLength > PeData.MAX_LENGTH) {
      throw new IllegalArgumentException("maximum Call-ID length must be 1..255: " + maxLength);
    }
    return new SipEngine(maxLength);
  }

  /** Returns the longest Call-ID this engine accepts. */
  public int maxLength() {
    return maxLength;
  }

  @Override
  public String name() {
    return NAME;
  }

  @Override
  public String description() {
    return "SIP Call-ID (RFC 3261), long and compact form, max " + maxLength + " bytes";
  }

  @Override
  public PeResult fillParam(ConnParam param, Datagram datagram) {
    if (datagram.protocol() != Protocol.UDP) {
      return NOT_UDP;
    }
    return CallIdExtractor.extract(
        param, datagram.payload(), datagram.payloadOffset(), datagram.payloadLength(), maxLength);
  }

  /** Returns true: server-originated SIP (replies, BYE, re-INVITE) re-binds the Call-ID. */
  @Override
  public boolean supportsConnOut() {
    return true;
  }

  /** Extracts the Call-ID of a server-originated datagram, as {@link #fillParam}. */
  @Override
  public PeResult connOut(ConnParam param, Datagram datagram) {
    return fillParam(param, datagram);
  }

  @Override
  public String toString() {
    return "SipEngine[maxLength=" + maxLength + "]";
  }
}
