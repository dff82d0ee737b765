package io.pe4j.testkit;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

/**
 * The near misses of a datagram that reach an engine's edge cases, made systematically rather than
 * by chance: every prefix, every byte deleted, inserted or set to a boundary value (0, 1, 0x7f,
 * 0x80, 0xff), length-like 16-bit values at every position, each field emptied, duplicated,
 * shortened to one byte or lengthened to 255, 256 and 300 bytes. Positions are taken at the start
 * of the datagram (where headers and length fields are) and at its end; fields are the runs between
 * delimiters (space, tab, CR, LF, {@code : ; , = & /}, NUL).
 *
 * <p>When a datagram has more variants than its share of the budget, a seeded sample is kept.
 */
final class Edges {

  /** Positions examined at the start of a datagram. */
  static final int HEAD = 64;

  /** Positions examined at its end. */
  static final int TAIL = 16;

  private static final byte[] BOUNDARIES = {0, 1, 0x7f, (byte) 0x80, (byte) 0xff};

  private Edges() {}

  /** Returns the variants of {@code b}, at most {@code budget} of them. */
  static List<byte[]> of(byte[] b, int budget, Gen gen) {
    List<byte[]> out = new ArrayList<>();
    int n = b.length;
    List<Integer> positions = positions(n);
    for (int p = 0; p <= n; p++) {
      if (n <= HEAD || p <= HEAD || p >= n - TAIL || isDelimiter(b, p)) {
        out.add(java.util.Arrays.copyOf(b, p)); // truncation
      }
    }
    for (int p : positions) {
      out.add(splice(b, p, p + 1, new byte[0])); // deletion
      out.add(splice(b, p, p, new byte[] {0})); // insertion
      out.add(splice(b, p, p, new byte[] {b[p]})); // duplication
      for (byte v : BOUNDARIES) {
        if (b[p] != v) {
          byte[] c = b.clone();
          c[p] = v;
          out.add(c);
        }
      }
      if (p + 1 < n) {
        for (int v : new int[] {0, 1, 0x00ff, 0xffff, n, n - 1, n + 1, n - p, n - p - 2}) {
          byte[] c = b.clone();
          c[p] = (byte) (v >> 8);
          c[p + 1] = (byte) v;
          out.add(c);
        }
      }
    }
    for (int[] f : fields(b)) {
      int start = f[0];
      int end = f[1];
      byte[] field = java.util.Arrays.copyOfRange(b, start, end);
      out.add(splice(b, start, end, new byte[0])); // emptied
      out.add(splice(b, start, end, concat(field, field))); // duplicated
      out.add(splice(b, start, end, new byte[] {field[0]})); // shortened
      for (int length : new int[] {255, 256, 300}) { // lengthened with its own last byte
        byte[] longer = java.util.Arrays.copyOf(field, Math.max(length, field.length));
        java.util.Arrays.fill(longer, field.length, longer.length, field[field.length - 1]);
        out.add(splice(b, start, end, longer));
      }
    }
    if (out.size() > budget) {
      Collections.shuffle(out, gen.random());
      return new ArrayList<>(out.subList(0, budget));
    }
    return out;
  }

  /** Returns {@code a} followed by {@code b}: two messages in one datagram. */
  static byte[] concat(byte[] a, byte[] b) {
    byte[] c = java.util.Arrays.copyOf(a, a.length + b.length);
    System.arraycopy(b, 0, c, a.length, b.length);
    return c;
  }

  private static List<Integer> positions(int n) {
    List<Integer> out = new ArrayList<>();
    for (int p = 0; p < n; p++) {
      if (p < HEAD || p >= n - TAIL) {
        out.add(p);
      }
    }
    return out;
  }

  /** The fields of {@code b}: maximal non-empty runs without delimiters, at most 64. */
  private static List<int[]> fields(byte[] b) {
    List<int[]> out = new ArrayList<>();
    int start = -1;
    for (int i = 0; i <= b.length && out.size() < 64; i++) {
      boolean delimiter = i == b.length || isDelimiter(b, i);
      if (delimiter && start >= 0) {
        out.add(new int[] {start, i});
        start = -1;
      } else if (!delimiter && start < 0) {
        start = i;
      }
    }
    return out;
  }

  private static boolean isDelimiter(byte[] b, int i) {
    if (i >= b.length) {
      return false;
    }
    byte c = b[i];
    return c == ' ' || c == '\t' || c == '\r' || c == '\n' || c == ':' || c == ';' || c == ','
        || c == '=' || c == '&' || c == '/' || c == 0;
  }

  private static byte[] splice(byte[] b, int from, int to, byte[] with) {
    byte[] c = new byte[b.length - (to - from) + with.length];
    System.arraycopy(b, 0, c, 0, from);
    System.arraycopy(with, 0, c, from, with.length);
    System.arraycopy(b, to, c, from + with.length, b.length - to);
    return c;
  }
}
