package io.pe4j.testkit;

import java.io.ByteArrayOutputStream;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

/**
 * Shrinks a failing datagram while the failure persists: first whole lines (text protocols), then
 * byte ranges of halving size, then single bytes. Bounded: at most a few thousand checks.
 */
public final class Shrink {

  private static final int BUDGET = 4000;

  private Shrink() {}

  /** Returns a smaller datagram for which {@code fails} still holds ({@code input} if none). */
  public static byte[] datagram(byte[] input, Predicate<byte[]> fails) {
    byte[] best = input;
    int budget = BUDGET;
    // 1. remove lines
    List<byte[]> lines = lines(best);
    for (int i = 0; i < lines.size() && budget > 0 && lines.size() > 1; ) {
      List<byte[]> without = new ArrayList<>(lines);
      without.remove(i);
      byte[] candidate = join(without);
      budget--;
      if (safeFails(fails, candidate)) {
        lines = without;
        best = candidate;
      } else {
        i++;
      }
    }
    // 2. remove byte ranges, halving the chunk size
    for (int chunk = Math.max(1, best.length / 2); chunk >= 1 && budget > 0; chunk /= 2) {
      for (int start = 0; start + chunk <= best.length && budget > 0; ) {
        byte[] candidate = new byte[best.length - chunk];
        System.arraycopy(best, 0, candidate, 0, start);
        System.arraycopy(best, start + chunk, candidate, start, best.length - start - chunk);
        budget--;
        if (safeFails(fails, candidate)) {
          best = candidate;
        } else {
          start += chunk;
        }
      }
      if (chunk == 1) {
        break;
      }
    }
    return best;
  }

  private static boolean safeFails(Predicate<byte[]> fails, byte[] candidate) {
    try {
      return fails.test(candidate);
    } catch (RuntimeException e) {
      return false;
    }
  }

  private static List<byte[]> lines(byte[] b) {
    List<byte[]> out = new ArrayList<>();
    int start = 0;
    for (int i = 0; i < b.length; i++) {
      if (b[i] == '\n') {
        out.add(java.util.Arrays.copyOfRange(b, start, i + 1));
        start = i + 1;
      }
    }
    if (start < b.length) {
      out.add(java.util.Arrays.copyOfRange(b, start, b.length));
    }
    return out;
  }

  private static byte[] join(List<byte[]> parts) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    for (byte[] p : parts) {
      out.write(p, 0, p.length);
    }
    return out.toByteArray();
  }

  /** Returns {@code b} as hex, 32 bytes a line, for failure reports. */
  public static String hex(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < b.length; i++) {
      if (i > 0 && i % 32 == 0) {
        sb.append('\n');
      }
      sb.append(Character.forDigit((b[i] >> 4) & 15, 16)).append(Character.forDigit(b[i] & 15, 16));
    }
    return sb.toString();
  }

  /**
   * Returns {@code b} as printable text: CR, LF, TAB as escapes, other non-printables as {@code
   * \xHH}.
   */
  public static String printable(byte[] b) {
    StringBuilder sb = new StringBuilder();
    for (byte x : b) {
      int c = x & 0xff;
      if (c == '\r') {
        sb.append("\\r");
      } else if (c == '\n') {
        sb.append("\\n");
      } else if (c == '\t') {
        sb.append("\\t");
      } else if (c >= 0x20 && c < 0x7f) {
        sb.append((char) c);
      } else {
        sb.append(String.format(java.util.Locale.ROOT, "\\x%02x", c));
      }
    }
    return sb.toString();
  }
}
