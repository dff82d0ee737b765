package io.pe4j.core;

import io.pe4j.api.Protocol;
import org.jspecify.annotations.Nullable;

/**
 * A connection's 5-tuple: (protocol, client address and port, virtual address and port), or for the
 * reply index (protocol, server address and port, client address and port). Mutable so that one
 * thread-confined instance can probe without allocating; stored keys are never changed.
 */
final class ConnKey {

  Protocol protocol = Protocol.UDP;
  boolean ipv6;
  long fromHi;
  long fromLo;
  int fromPort;
  long toHi;
  long toLo;
  int toPort;

  ConnKey set(
      Protocol protocol,
      boolean ipv6,
      long fromHi,
      long fromLo,
      int fromPort,
      long toHi,
      long toLo,
      int toPort) {
    this.protocol = protocol;
    this.ipv6 = ipv6;
    this.fromHi = fromHi;
    this.fromLo = fromLo;
    this.fromPort = fromPort;
    this.toHi = toHi;
    this.toLo = toLo;
    this.toPort = toPort;
    return this;
  }

  /** Points this probe at a datagram's 5-tuple, as it arrived. */
  ConnKey of(io.pe4j.api.Datagram d) {
    return set(
        d.protocol(),
        d.isIpv6(),
        d.sourceHi(),
        d.sourceLo(),
        d.sourcePort(),
        d.destinationHi(),
        d.destinationLo(),
        d.destinationPort());
  }

  ConnKey copy() {
    return new ConnKey().set(protocol, ipv6, fromHi, fromLo, fromPort, toHi, toLo, toPort);
  }

  @Override
  public int hashCode() {
    long h = fromHi * 31 + fromLo;
    h = h * 31 + toHi;
    h = h * 31 + toLo;
    h = h * 31 + ((long) fromPort << 16 | toPort) + protocol.number();
    return Long.hashCode(h * 0x9E3779B97F4A7C15L);
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (!(o instanceof ConnKey)) {
      return false;
    }
    ConnKey k = (ConnKey) o;
    return protocol == k.protocol
        && ipv6 == k.ipv6
        && fromHi == k.fromHi
        && fromLo == k.fromLo
        && fromPort == k.fromPort
        && toHi == k.toHi
        && toLo == k.toLo
        && toPort == k.toPort;
  }
}
