package io.pe4j.engine.sip;

import io.pe4j.api.ConnParam;
import io.pe4j.api.PeResult;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import org.jspecify.annotations.Nullable;

/**
 * Finds the Call-ID of a SIP message by the rules of {@code docs/sip-call-id.md} (numbered R1..R11
 * below), scanning the caller's bytes in place with absolute gets. Allocates nothing, except to
 * join a value folded over several lines.
 */
final class CallIdExtractor {

  private static final byte CR = '\r';
  private static final byte LF = '\n';
  private static final byte SP = ' ';
  private static final byte HTAB = '\t';
  private static final byte COLON = ':';
  private static final long ONES = 0x0101_0101_0101_0101L;
  private static final long LOW7 = 0x7f7f_7f7f_7f7f_7f7fL;
  private static final byte[] SIP_VERSION = {'s', 'i', 'p', '/', '2', '.', '0'};
  private static final byte[] CALL_ID = {'c', 'a', 'l', 'l', '-', 'i', 'd'};

  private CallIdExtractor() {}

  static PeResult extract(ConnParam param, ByteBuffer b, int offset, int length, int maxLength) {
    final int end = offset + length;
    // R1: leading CR/LF are skipped; nothing left is a keep-alive.
    int p = offset;
    while (p < end && isLineBreak(b.get(p))) {
      p++;
    }
    if (p == end) {
      return SipEngine.KEEP_ALIVE;
    }
    // R2, R3: the first line must be terminated and be a SIP/2.0 request or status line.
    int lf = indexOfLf(b, p, end);
    if (lf < 0 || !isStartLine(b, p, contentEnd(b, p, lf))) {
      return SipEngine.NOT_SIP;
    }
    // R4..R10: fields of the header section, up to the first empty line or the datagram's end.
    // The value found so far is the window [foundStart, foundEnd) of foundBuffer: the datagram's
    // own buffer, or (only for a value folded over lines) a joined copy.
    ByteBuffer foundBuffer = null;
    int foundStart = 0;
    int foundEnd = 0;
    int q = lf + 1;
    while (q < end) {
      lf = indexOfLf(b, q, end);
      int lineEnd = lf < 0 ? end : contentEnd(b, q, lf);
      int next = lf < 0 ? end : lf + 1;
      if (lineEnd == q && lf >= 0) {
        break; // the empty line: nothing after it is examined (R4)
      }
      byte first = b.get(q);
      int colon = first == SP || first == HTAB ? -1 : indexOf(b, COLON, q, lineEnd);
      if (colon < 0 || !isCallIdName(b, q, colon)) {
        q = next; // continuation of a field that is not a Call-ID, or a field without colon (R5)
        continue;
      }
      if (lf < 0) {
        return SipEngine.TRUNCATED; // R8
      }
      // R7: the value runs through the field's continuation lines.
      int fieldEnd = next;
      boolean folded = false;
      while (fieldEnd < end && isWsp(b.get(fieldEnd))) {
        folded = true;
        int contLf = indexOfLf(b, fieldEnd, end);
        if (contLf < 0) {
          return SipEngine.TRUNCATED; // R8: the last physical line must be terminated
        }
        fieldEnd = contLf + 1;
      }
      ByteBuffer valueBuffer = b;
      int valueStart = colon + 1;
      int valueEnd = lineEnd;
      if (folded) {
        valueBuffer = joinFolded(b, colon + 1, lineEnd, next, fieldEnd, foundBuffer);
        valueStart = 0;
        valueEnd = valueBuffer.limit();
      }
      while (valueStart < valueEnd && isWsp(valueBuffer.get(valueStart))) {
        valueStart++;
      }
      // R7: trailing CR goes with trailing WSP (a CR CR LF line end must not make a second key).
      while (valueEnd > valueStart && isWspOrCr(valueBuffer.get(valueEnd - 1))) {
        valueEnd--;
      }
      if (foundBuffer == null) {
        foundBuffer = valueBuffer;
        foundStart = valueStart;
        foundEnd = valueEnd;
      } else if (!sameBytes(foundBuffer, foundStart, foundEnd, valueBuffer, valueStart, valueEnd)) {
        return SipEngine.CALL_IDS_DIFFER; // R10
      }
      q = fieldEnd;
    }
    if (foundBuffer == null) {
      return SipEngine.NO_CALL_ID;
    }
    int valueLength = foundEnd - foundStart;
    if (valueLength == 0) {
      return SipEngine.EMPTY_CALL_ID; // R9
    }
    if (valueLength > maxLength) {
      return SipEngine.TOO_LONG; // R11
    }
    return param.match(foundBuffer, foundStart, valueLength);
  }

  /**
   * R3: a status line ({@code SIP/2.0} + WSP) or a request line (2+ tokens, WSP, {@code SIP/2.0}).
   */
  static boolean isStartLine(ByteBuffer b, int start, int end) {
    if (end - start >= 8
        && regionMatchesLowerCase(b, start, SIP_VERSION)
        && isWsp(b.get(start + 7))) {
      return true;
    }
    int t = end;
    while (t > start && isWsp(b.get(t - 1))) {
      t--;
    }
    if (t - start < 8 || !regionMatchesLowerCase(b, t - 7, SIP_VERSION) || !isWsp(b.get(t - 8))) {
      return false;
    }
    int tokens = 0;
    boolean inToken = false;
    for (int i = start; i < t - 8; i++) {
      boolean wsp = isWsp(b.get(i));
      if (!wsp && !inToken) {
        tokens++;
      }
      inToken = !wsp;
    }
    return tokens >= 2;
  }

  /** R6: the name before the colon, trailing WSP removed, is {@code call-id} or {@code i}. */
  static boolean isCallIdName(ByteBuffer b, int start, int colon) {
    int end = colon;
    while (end > start && isWsp(b.get(end - 1))) {
      end--;
    }
    int length = end - start;
    if (length == 1) {
      return toLower(b.get(start)) == 'i';
    }
    return length == CALL_ID.length && regionMatchesLowerCase(b, start, CALL_ID);
  }

  /**
   * Two join buffers per thread, grown to the largest folded value met (at most a datagram): a
   * folded Call-ID is joined without allocating, and a second one is compared with the first.
   */
  private static final ThreadLocal<ByteBuffer[]> JOINS =
      ThreadLocal.withInitial(
          () -> new ByteBuffer[] {ByteBuffer.allocate(512), ByteBuffer.allocate(512)});

  /**
   * R7 with folding: each continuation's line break and leading WSP become one SP, into one of this
   * thread's join buffers (not {@code inUse}, the value found before, which may be the other);
   * returns it with its limit at the joined length. The caller trims the result.
   */
  private static ByteBuffer joinFolded(
      ByteBuffer b,
      int valueStart,
      int firstLineEnd,
      int contStart,
      int fieldEnd,
      @Nullable ByteBuffer inUse) {
    ByteBuffer[] joins = JOINS.get();
    int k = joins[0] == inUse ? 1 : 0;
    int need = fieldEnd - valueStart;
    if (joins[k].capacity() < need) {
      joins[k] = ByteBuffer.allocate(Math.min(1 << 16, Integer.highestOneBit(need) << 1));
    }
    ByteBuffer out = joins[k];
    byte[] joined = out.array();
    int n = 0;
    for (int i = valueStart; i < firstLineEnd; i++) {
      joined[n++] = b.get(i);
    }
    int q = contStart;
    while (q < fieldEnd) {
      int lf = indexOfLf(b, q, fieldEnd);
      int lineEnd = contentEnd(b, q, lf);
      int s = q;
      while (s < lineEnd && isWsp(b.get(s))) {
        s++;
      }
      joined[n++] = SP;
      for (int i = s; i < lineEnd; i++) {
        joined[n++] = b.get(i);
      }
      q = lf + 1;
    }
    out.clear().limit(n);
    return out;
  }

  private static boolean sameBytes(
      ByteBuffer x, int xStart, int xEnd, ByteBuffer y, int yStart, int yEnd) {
    int length = xEnd - xStart;
    if (length != yEnd - yStart) {
      return false;
    }
    for (int i = 0; i < length; i++) {
      if (x.get(xStart + i) != y.get(yStart + i)) {
        return false;
      }
    }
    return true;
  }

  /** R2: the end of a line's content; a CR right before the LF belongs to the terminator. */
  private static int contentEnd(ByteBuffer b, int lineStart, int lf) {
    return lf > lineStart && b.get(lf - 1) == CR ? lf - 1 : lf;
  }

  private static int indexOfLf(ByteBuffer b, int from, int end) {
    return indexOf(b, LF, from, end);
  }

  /**
   * The first {@code value} in {@code [from, end)}, eight bytes at a time: a byte of {@code word ^
   * pattern} is zero where {@code value} is, and {@code ~(((x & 0x7f..) + 0x7f..) | x | 0x7f..)}
   * marks exactly those bytes with 0x80 (no carry crosses a byte, so no false match).
   */
  static int indexOf(ByteBuffer b, byte value, int from, int end) {
    int i = from;
    if (end - i >= Long.BYTES) {
      long pattern = (value & 0xffL) * ONES;
      boolean bigEndian = b.order() == ByteOrder.BIG_ENDIAN;
      for (; i <= end - Long.BYTES; i += Long.BYTES) {
        long x = b.getLong(i) ^ pattern;
        long zeros = ~(((x & LOW7) + LOW7) | x | LOW7);
        if (zeros != 0) { // the byte first in memory: the most significant one in big-endian order
          return i
              + ((bigEndian ? Long.numberOfLeadingZeros(zeros) : Long.numberOfTrailingZeros(zeros))
                  >>> 3);
        }
      }
    }
    for (; i < end; i++) {
      if (b.get(i) == value) {
        return i;
      }
    }
    return -1;
  }

  private static boolean regionMatchesLowerCase(ByteBuffer b, int start, byte[] lower) {
    for (int i = 0; i < lower.length; i++) {
      if (toLower(b.get(start + i)) != lower[i]) {
        return false;
      }
    }
    return true;
  }

  private static int toLower(byte c) {
    return c >= 'A' && c <= 'Z' ? c + ('a' - 'A') : c;
  }

  private static boolean isWsp(byte c) {
    return c == SP || c == HTAB;
  }

  private static boolean isWspOrCr(byte c) {
    return c == SP || c == HTAB || c == CR;
  }

  private static boolean isLineBreak(byte c) {
    return c == CR || c == LF;
  }
}
