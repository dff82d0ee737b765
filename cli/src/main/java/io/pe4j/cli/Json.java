package io.pe4j.cli;

import java.util.Locale;
import java.util.Map;

/**
 * Just enough JSON for pe4j's own documents (the status page's, {@code pe4j replay --json}):
 * objects, arrays, strings, numbers, booleans; commas placed by itself. Strings escape quotes,
 * backslashes, control characters and {@code < > &} (safe inside an HTML page too).
 */
final class Json {
  private final StringBuilder sb = new StringBuilder();
  private boolean first = true;

  Json open(char c) {
    comma();
    sb.append(c);
    first = true;
    return this;
  }

  void close(char c) {
    sb.append(c);
    first = false;
  }

  Json key(String k) {
    comma();
    string(k);
    sb.append(':');
    first = true; // the value follows without a comma
    return this;
  }

  void field(String k, Object v) {
    key(k);
    value(v);
  }

  void value(Object v) {
    comma();
    if (v instanceof Number || v instanceof Boolean) {
      sb.append(v instanceof Double d ? String.format(Locale.ROOT, "%.1f", d) : v.toString());
    } else {
      string(String.valueOf(v));
    }
    first = false;
  }

  void map(Map<String, Long> m) {
    open('{');
    m.forEach(this::field);
    close('}');
  }

  private void comma() {
    if (!first) {
      sb.append(',');
    }
    first = false;
  }

  /** {@code s} as a JSON string, quotes included. */
  static String quote(String s) {
    StringBuilder sb = new StringBuilder(s.length() + 2);
    quote(sb, s);
    return sb.toString();
  }

  private void string(String s) {
    quote(sb, s);
  }

  private static void quote(StringBuilder sb, String s) {
    sb.append('"');
    for (int i = 0; i < s.length(); i++) {
      char ch = s.charAt(i);
      switch (ch) {
        case '"' -> sb.append("\\\"");
        case '\\' -> sb.append("\\\\");
        case '\n' -> sb.append("\\n");
        case '\r' -> sb.append("\\r");
        case '\t' -> sb.append("\\t");
        default -> {
          if (ch < 0x20 || ch == '<' || ch == '>' || ch == '&') {
            sb.append(String.format(Locale.ROOT, "\\u%04x", (int) ch));
          } else {
            sb.append(ch);
          }
        }
      }
    }
    sb.append('"');
  }

  @Override
  public String toString() {
    return sb.toString();
  }
}
