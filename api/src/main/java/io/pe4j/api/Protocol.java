package io.pe4j.api;

/**
 * A transport protocol as IPVS names it. {@link #IP} is the protocol of fwmark templates, which the
 * kernel keys with protocol 0 and lists as {@code IP}.
 */
public enum Protocol {
  /** Protocol 0: fwmark templates only. */
  IP(0),
  /** TCP, protocol 6. */
  TCP(6),
  /** UDP, protocol 17. */
  UDP(17),
  /** SCTP, protocol 132. */
  SCTP(132);

  private final int number;

  Protocol(int number) {
    this.number = number;
  }

  /** Returns the IANA protocol number. */
  public int number() {
    return number;
  }
}
