package io.pe4j.forwarder.health;

import com.google.common.net.HostAndPort;
import io.pe4j.api.IpAddress;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import java.util.TreeSet;

/** The words and values of a check line: quoting, escapes, addresses, seconds, counts, codes. */
final class CheckSyntax {
  private CheckSyntax() {}

  static String escape(String b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < b.length(); i++) {
      int c = b.charAt(i) & 0xff;
      if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '"' || c == '\\') {
        sb.append('\\').append((char) c);
      } else if (c < 0x20 || c > 0x7e) {
        sb.append(String.format(Locale.ROOT, "\\x%02x", c));
      } else {
        sb.append((char) c);
      }
    }
    return sb.toString();
  }

  static IpAddress address(String text, int[] port) {
    HostAndPort hp;
    try {
      hp = HostAndPort.fromString(text);
    } catch (IllegalArgumentException e) {
      hp = null;
    }
    if (hp == null || !hp.hasPort()) {
      throw new IllegalArgumentException("expected ADDRESS:PORT, not '" + text + "'");
    }
    port[0] = hp.getPort();
    if (port[0] < 1) {
      throw new IllegalArgumentException("port must be 1..65535: " + text);
    }
    return IpAddress.parse(hp.getHost());
  }

  static String value(List<String> w, int i, String option) {
    if (i >= w.size()) {
      throw new IllegalArgumentException(option + " needs a value");
    }
    return w.get(i);
  }

  static long millis(String v, String k) {
    try {
      double s = Double.parseDouble(v);
      if (!(s > 0) || s > 86_400) {
        throw new NumberFormatException();
      }
      return Math.max(1, Math.round(s * 1000));
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(k + " must be seconds (0 < s <= 86400): " + v, e);
    }
  }

  static int count(String v, String k) {
    try {
      int n = Integer.parseInt(v);
      if (n < 1 || n > 1000) {
        throw new NumberFormatException();
      }
      return n;
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException(k + " must be 1..1000: " + v, e);
    }
  }

  static Set<Integer> codes(String v) {
    Set<Integer> out = new TreeSet<>();
    for (String c : v.split(",")) {
      if (c.matches("[1-6]xx")) {
        out.add(-(c.charAt(0) - '0'));
      } else if (c.matches("[1-6][0-9][0-9]")) {
        out.add(Integer.parseInt(c));
      } else {
        throw new IllegalArgumentException("a reply code is 100..699 or a class like 2xx: " + c);
      }
    }
    return out;
  }

  static String unescape(String v) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < v.length(); i++) {
      char c = v.charAt(i);
      if (c != '\\' || i + 1 == v.length()) {
        sb.append(c);
        continue;
      }
      char n = v.charAt(++i);
      switch (n) {
        case 'r' -> sb.append('\r');
        case 'n' -> sb.append('\n');
        case 't' -> sb.append('\t');
        case 'x' -> {
          if (i + 2 >= v.length()) {
            throw new IllegalArgumentException("\\x needs two hex digits: " + v);
          }
          sb.append((char) Integer.parseInt(v.substring(i + 1, i + 3), 16));
          i += 2;
        }
        default -> sb.append(n);
      }
    }
    return sb.toString();
  }

  /**
   * Splits on blanks; double or single quotes group, and inside double quotes a backslash keeps the
   * next character (for {@link #unescape}).
   */
  static List<String> words(String line) {
    List<String> out = new ArrayList<>();
    StringBuilder cur = new StringBuilder();
    char quote = 0;
    boolean any = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if ((c == '"' || c == '\'') && (quote == 0 || quote == c)) {
        quote = quote == 0 ? c : 0;
        any = true;
      } else if (c == '\\' && quote == '"' && i + 1 < line.length()) {
        cur.append(c).append(line.charAt(++i));
      } else if (quote == 0 && (c == ' ' || c == '\t')) {
        if (any) {
          out.add(cur.toString());
          cur.setLength(0);
          any = false;
        }
      } else {
        cur.append(c);
        any = true;
      }
    }
    if (quote != 0) {
      throw new IllegalArgumentException("unclosed quote");
    }
    if (any) {
      out.add(cur.toString());
    }
    return out;
  }
}
