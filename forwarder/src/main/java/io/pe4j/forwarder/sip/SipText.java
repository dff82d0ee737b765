package io.pe4j.forwarder.sip;

import java.nio.charset.StandardCharsets;
import org.jspecify.annotations.Nullable;

/** Just enough SIP text handling for the peers: header values and the request method. */
final class SipText {
  private SipText() {}

  static String text(byte[] b, int length) {
    return new String(b, 0, length, StandardCharsets.UTF_8);
  }

  /**
   * Returns the first header value of {@code name} (long form; compact {@code i} for Call-ID), or
   * null.
   */
  static @Nullable String header(String message, String name) {
    int end = message.indexOf("\r\n\r\n");
    String head = end < 0 ? message : message.substring(0, end);
    for (String line : head.split("\r\n")) {
      int colon = line.indexOf(':');
      if (colon > 0) {
        String n = line.substring(0, colon).strip();
        if (n.equalsIgnoreCase(name)
            || (name.equalsIgnoreCase("Call-ID") && n.equalsIgnoreCase("i"))) {
          return line.substring(colon + 1).strip();
        }
      }
    }
    return null;
  }

  /** Returns the request method, or null for a response. */
  static @Nullable String method(String message) {
    if (message.startsWith("SIP/2.0")) {
      return null;
    }
    int sp = message.indexOf(' ');
    return sp > 0 ? message.substring(0, sp) : null;
  }

  /** Returns the status code of a response, or -1. */
  static int status(String message) {
    if (!message.startsWith("SIP/2.0 ") || message.length() < 11) {
      return -1;
    }
    try {
      return Integer.parseInt(message.substring(8, 11));
    } catch (NumberFormatException e) {
      return -1;
    }
  }
}
