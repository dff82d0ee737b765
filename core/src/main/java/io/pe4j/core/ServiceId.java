package io.pe4j.core;

import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import org.jspecify.annotations.Nullable;

/** The key of a service: fwmark, or protocol, address and port. */
record ServiceId(
    int fwmark, boolean ipv6, @Nullable Protocol protocol, @Nullable IpAddress address, int port) {
  static ServiceId of(Protocol protocol, IpAddress address, int port, int fwmark) {
    return fwmark != 0
        ? new ServiceId(fwmark, address.isIpv6(), null, null, 0)
        : new ServiceId(0, address.isIpv6(), protocol, address, port);
  }

  static ServiceId of(VirtualService v) {
    return v.fwmark != 0
        ? new ServiceId(v.fwmark, v.ipv6, null, null, 0)
        : new ServiceId(0, v.ipv6, v.protocol, v.address, v.port);
  }
}
