package io.pe4j.cli;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import java.net.InetSocketAddress;

/** The address options' values ({@code --admin-tcp}, {@code --metrics}, ...). */
final class Endpoints {

  private Endpoints() {}

  /**
   * An address option's value: {@code ADDRESS:PORT}, an IPv6 address in brackets ({@code
   * [::1]:9100}); a literal address, never a name to resolve.
   */
  static InetSocketAddress parse(String hostPort) {
    HostAndPort hp;
    try {
      hp = HostAndPort.fromString(hostPort).requireBracketsForIPv6();
    } catch (IllegalArgumentException e) {
      hp = null;
    }
    if (hp == null || !hp.hasPort() || !InetAddresses.isInetAddress(hp.getHost())) {
      throw new IllegalArgumentException(
          "expected ADDRESS:PORT (an IPv6 address in brackets), got '" + hostPort + "'");
    }
    return new InetSocketAddress(InetAddresses.forString(hp.getHost()), hp.getPort());
  }
}
