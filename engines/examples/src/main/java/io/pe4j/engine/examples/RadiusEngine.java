package io.pe4j.engine.examples;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.nio.ByteBuffer;
import java.util.Arrays;

/**
 * The {@code radius} engine: keys templates on the station a RADIUS packet is about (RFC 2865, RFC
 * 2866): the first Calling-Station-Id (attribute 31), else the first User-Name (attribute 1) — so
 * every round of an EAP exchange and the device's accounting reach one server, what RADIUS proxies
 * call keyed balancing.
 *
 * <pre>
 *  0: Code (8)   1: Identifier (8)   2: Length (16, 20..4096, octets beyond it are padding)
 *  4: Request Authenticator (16 bytes)
 * 20: Attributes: Type (8), Length (8, &gt;= 2, includes Type and Length), Value ...
 * </pre>
 *
 * <p>A packet shorter than its Length field, or an attribute whose length is below 2 or overruns
 * the packet, gives no match with a reason (RFC 2865 §3, §5: such packets are silently discarded).
 */
public final class RadiusEngine implements PersistenceEngine {

  /** Attribute type of Calling-Station-Id (RFC 2865 §5.31). */
  public static final int CALLING_STATION_ID = 31;

  /** Attribute type of User-Name (RFC 2865 §5.1). */
  public static final int USER_NAME = 1;

  /** No match: not UDP. */
  public static final PeResult NOT_UDP = PeResult.noMatch("not UDP");

  /** No match: shorter than the 20-byte header. */
  public static final PeResult TOO_SHORT = PeResult.noMatch("shorter than the RADIUS header");

  /** No match: the Length field is below 20, above 4096, or beyond the datagram. */
  public static final PeResult BAD_LENGTH = PeResult.noMatch("bad RADIUS length");

  /** No match: an attribute of length below 2 or running past the packet. */
  public static final PeResult BAD_ATTRIBUTE = PeResult.noMatch("malformed attribute");

  /** No match: none of the key attributes, or only empty ones. */
  public static final PeResult NO_KEY = PeResult.noMatch("no station attribute");

  private static final int LENGTH_OFFSET = 2;
  private static final int HEADER_LENGTH = 20;
  private static final int MAX_LENGTH = 4096;

  private final int[] keyAttributes;

  /**
   * Creates the engine keyed on Calling-Station-Id, then User-Name, as {@code --pe radius} selects
   * it.
   */
  public RadiusEngine() {
    this(new int[] {CALLING_STATION_ID, USER_NAME});
  }

  private RadiusEngine(int[] keyAttributes) {
    this.keyAttributes = keyAttributes;
  }

  /**
   * Returns an engine keyed on the first of these attribute types that the packet carries, in order
   * of preference (for example {@code 31, 1}; or {@code 44} for Acct-Session-Id).
   *
   * @throws IllegalArgumentException unless 1..8 types of 1..255 are given
   */
  public static RadiusEngine keyedOn(int... attributeTypes) {
    if (attributeTypes.length < 1
        || attributeTypes.length > 8
        || Arrays.stream(attributeTypes).anyMatch(t -> t < 1 || t > 255)) {
      throw new IllegalArgumentException(
          "1..8 attribute types of 1..255: " + Arrays.toString(attributeTypes));
    }
    return new RadiusEngine(attributeTypes.clone());
  }

  @Override
  public String name() {
    return "radius";
  }

  @Override
  public String description() {
    return "RADIUS station (RFC 2865): attribute "
        + Arrays.toString(keyAttributes)
        + ", first present";
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
      return TOO_SHORT;
    }
    int length = ((b.get(o + LENGTH_OFFSET) & 0xff) << 8) | (b.get(o + LENGTH_OFFSET + 1) & 0xff);
    if (length < HEADER_LENGTH || length > MAX_LENGTH || length > n) {
      return BAD_LENGTH;
    }
    // Walk the attributes once, remembering the best key found so far (lower rank = preferred).
    int bestRank = Integer.MAX_VALUE;
    int bestOffset = 0;
    int bestLength = 0;
    for (int p = o + HEADER_LENGTH; p < o + length; ) {
      if (p + 2 > o + length) {
        return BAD_ATTRIBUTE;
      }
      int type = b.get(p) & 0xff;
      int attrLength = b.get(p + 1) & 0xff;
      if (attrLength < 2 || p + attrLength > o + length) {
        return BAD_ATTRIBUTE;
      }
      int rank = rank(type);
      if (rank < bestRank && attrLength > 2) {
        bestRank = rank;
        bestOffset = p + 2;
        bestLength = attrLength - 2;
      }
      p += attrLength;
    }
    return bestRank == Integer.MAX_VALUE ? NO_KEY : param.match(b, bestOffset, bestLength);
  }

  private int rank(int type) {
    for (int i = 0; i < keyAttributes.length; i++) {
      if (keyAttributes[i] == type) {
        return i;
      }
    }
    return Integer.MAX_VALUE;
  }
}
