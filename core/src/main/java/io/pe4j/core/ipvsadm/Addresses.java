package io.pe4j.core.ipvsadm;

import io.pe4j.api.IpAddress;
import io.pe4j.core.IpvsadmException;
import org.jspecify.annotations.Nullable;

/** The addresses of ipvsadm's command lines: {@code ADDRESS[:PORT]}, IPv6 in brackets. */
final class Addresses {

  private Addresses() {}

  /**
   * An address with optional port: {@code 1.2.3.4}, {@code 1.2.3.4:80}, {@code [::1]:80}, {@code
   * [::1]}.
   */
  static IpAddress address(String text, String what) {
    String host = hostPart(text);
    try {
      return IpAddress.parse(host);
    } catch (IllegalArgumentException e) {
      throw new IpvsadmException("illegal " + what + " address[:port] specified: " + text, e);
    }
  }

  static int port(String text, int defaultPort, String what) {
    String p = portPart(text);
    if (p == null) {
      return defaultPort;
    }
    switch (p) {
      case "sip":
        return 5060;
      case "sips":
        return 5061;
      case "http":
        return 80;
      case "https":
        return 443;
      case "domain":
        return 53;
      default:
        try {
          int v = Integer.parseInt(p);
          if (v >= 0 && v <= 65535) {
            return v;
          }
        } catch (NumberFormatException e) {
          // fall through to the error
        }
        throw new IpvsadmException("illegal " + what + " address[:port] specified: " + text);
    }
  }

  private static String hostPart(String text) {
    if (text.startsWith("[")) {
      int end = text.indexOf(']');
      return end < 0 ? text : text.substring(0, end + 1);
    }
    int colon = text.indexOf(':');
    return colon >= 0 && text.indexOf(':', colon + 1) < 0 ? text.substring(0, colon) : text;
  }

  private static @Nullable String portPart(String text) {
    if (text.startsWith("[")) {
      int end = text.indexOf(']');
      return end >= 0 && end + 1 < text.length() && text.charAt(end + 1) == ':'
          ? text.substring(end + 2)
          : null;
    }
    int colon = text.indexOf(':');
    return colon >= 0 && text.indexOf(':', colon + 1) < 0 ? text.substring(colon + 1) : null;
  }
}
