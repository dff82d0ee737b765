package io.pe4j.cli;

import io.pe4j.cli.Simulation.ScriptException;
import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** The payloads of simulation scripts. */
final class Payloads {
  private Payloads() {}

  /** A realistic INVITE (the spec's §13.0 message) with the Call-ID. */
  static byte[] sipInvite(String callId) {
    return ("INVITE sip:bob@example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK776asdhds\r\n"
            + "Max-Forwards: 70\r\n"
            + "To: Bob <sip:bob@example.com>\r\n"
            + "From: Alice <sip:alice@example.org>;tag=1928301774\r\n"
            + "Call-ID: "
            + callId
            + "\r\n"
            + "CSeq: 314159 INVITE\r\n"
            + "Contact: <sip:alice@198.51.100.10>\r\n"
            + "Content-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.UTF_8);
  }

  static byte[] hex(String hex) throws ScriptException {
    if (hex.length() % 2 != 0) {
      throw new ScriptException("hex: odd number of digits");
    }
    byte[] out = new byte[hex.length() / 2];
    for (int i = 0; i < out.length; i++) {
      int hi = Character.digit(hex.charAt(2 * i), 16);
      int lo = Character.digit(hex.charAt(2 * i + 1), 16);
      if (hi < 0 || lo < 0) {
        throw new ScriptException(
            "hex: not a hex digit in '" + hex.substring(2 * i, 2 * i + 2) + "'");
      }
      out[i] = (byte) (hi << 4 | lo);
    }
    return out;
  }

  /** {@code "..."} with {@code \r \n \t \\ \"} escapes. */
  static byte[] text(String quoted) throws ScriptException {
    if (quoted.length() < 2 || !quoted.startsWith("\"") || !quoted.endsWith("\"")) {
      throw new ScriptException("text: expected a double-quoted string");
    }
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    String s = quoted.substring(1, quoted.length() - 1);
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c == '\\') {
        if (++i == s.length()) {
          throw new ScriptException("text: a lone backslash at the end");
        }
        char e = s.charAt(i);
        switch (e) {
          case 'r':
            out.write('\r');
            break;
          case 'n':
            out.write('\n');
            break;
          case 't':
            out.write('\t');
            break;
          case '\\':
            out.write('\\');
            break;
          case '"':
            out.write('"');
            break;
          default:
            throw new ScriptException("text: unknown escape \\" + e);
        }
      } else {
        byte[] b = String.valueOf(c).getBytes(StandardCharsets.UTF_8);
        out.write(b, 0, b.length);
      }
    }
    return out.toByteArray();
  }
}
