package io.pe4j.core;

import io.pe4j.api.Datagram;
import io.pe4j.api.Protocol;

/** The IPVS counters a datagram moves: packets and whole IP bytes, in and out, and refunds. */
final class Counting {

  private Counting() {}

  /** Counts a client's datagram sent to {@code dest} ({@code InPkts}, {@code InBytes}). */
  static void in(VirtualService svc, Destination dest, Datagram d) {
    int bytes = ipBytes(d);
    svc.counters.in(bytes);
    dest.counters.in(bytes);
  }

  /** Counts a server's datagram sent back ({@code OutPkts}, {@code OutBytes}). */
  static void out(VirtualService svc, Destination dest, Datagram d) {
    int bytes = ipBytes(d);
    svc.counters.out(bytes);
    dest.counters.out(bytes);
  }

  /** The kernel counts whole IP packets: payload plus IP and transport headers. */
  static int ipBytes(Datagram d) {
    int transport = d.protocol() == Protocol.TCP ? 20 : d.protocol() == Protocol.SCTP ? 12 : 8;
    return d.payloadLength() + transport + (d.isIpv6() ? 40 : 20);
  }

  /**
   * Tells the core that the host could not send a UDP datagram it was given a verdict for (a full
   * session table, a socket that could not be opened, a failed send), so that {@code InPkts} and
   * {@code InBytes} ({@code OutPkts}/{@code OutBytes} for {@link Verdict.Kind#OUT}) count only what
   * was sent. Does nothing for other verdicts.
   *
   * @param payloadLength the datagram's UDP payload length
   */
  static void notSent(Verdict verdict, int payloadLength, boolean ipv6) {
    Destination dest = verdict.destination();
    if (dest == null) {
      return;
    }
    int bytes = payloadLength + 8 + (ipv6 ? 40 : 20);
    if (verdict.kind() == Verdict.Kind.FORWARD) {
      dest.service.counters.unIn(bytes);
      dest.counters.unIn(bytes);
    } else if (verdict.kind() == Verdict.Kind.OUT) {
      dest.service.counters.unOut(bytes);
      dest.counters.unOut(bytes);
    }
  }
}
