package io.pe4j.api;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Arrays;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Persistence data: the extra template key an engine extracts (a SIP Call-ID, a QUIC connection
 * ID...). Immutable, 1 to {@value #MAX_LENGTH} bytes, equal by content.
 */
public final class PeData {

  /** The kernel's {@code IP_VS_PEDATA_MAXLEN}: at most 255 bytes of pe data per template. */
  public static final int MAX_LENGTH = 255;

  private static final VarHandle LONGS_BE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.BIG_ENDIAN);
  private static final VarHandle LONGS_LE =
      MethodHandles.byteArrayViewVarHandle(long[].class, ByteOrder.LITTLE_ENDIAN);

  private final byte[] bytes;

  private PeData(byte[] bytes) {
    this.bytes = bytes;
  }

  /**
   * Returns pe data holding a copy of {@code bytes}.
   *
   * @throws IllegalArgumentException if the length is not 1..255
   */
  public static PeData of(byte[] bytes) {
    return copyOf(ByteBuffer.wrap(bytes), 0, bytes.length);
  }

  /**
   * Returns pe data holding a copy of {@code length} bytes of {@code buffer} from absolute index
   * {@code offset}; the buffer's position and limit are not used or changed.
   *
   * @throws IllegalArgumentException if the length is not 1..255
   */
  public static PeData copyOf(ByteBuffer buffer, int offset, int length) {
    Objects.requireNonNull(buffer, "buffer");
    checkLength(length);
    Objects.checkFromIndexSize(offset, length, buffer.limit());
    byte[] copy = new byte[length];
    for (int i = 0; i < length; i++) {
      copy[i] = buffer.get(offset + i);
    }
    return new PeData(copy);
  }

  static void checkLength(int length) {
    if (length < 1 || length > MAX_LENGTH) {
      throw new IllegalArgumentException(
          "pe data must be 1.." + MAX_LENGTH + " bytes, not " + length);
    }
  }

  /** Returns the number of bytes, 1..255. */
  public int length() {
    return bytes.length;
  }

  /** Returns the byte at {@code index}. */
  public byte byteAt(int index) {
    return bytes[index];
  }

  /** Returns a copy of the bytes. */
  public byte[] toByteArray() {
    return bytes.clone();
  }

  /**
   * Returns whether these bytes equal {@code length} bytes of {@code buffer} from {@code offset}.
   */
  public boolean contentEquals(ByteBuffer buffer, int offset, int length) {
    Objects.requireNonNull(buffer, "buffer");
    if (length != bytes.length) {
      return false;
    }
    if (buffer.hasArray()) {
      int from = buffer.arrayOffset() + offset;
      return Arrays.equals(buffer.array(), from, from + length, bytes, 0, length);
    }
    // a direct buffer: eight bytes a step, read in the buffer's own order on both sides (each
    // VarHandle used as a constant: one chosen at run time would not be inlined)
    int i = 0;
    if (buffer.order() == ByteOrder.BIG_ENDIAN) {
      for (; i + 8 <= length; i += 8) {
        if (buffer.getLong(offset + i) != (long) LONGS_BE.get(bytes, i)) {
          return false;
        }
      }
    } else {
      for (; i + 8 <= length; i += 8) {
        if (buffer.getLong(offset + i) != (long) LONGS_LE.get(bytes, i)) {
          return false;
        }
      }
    }
    for (; i < length; i++) {
      if (buffer.get(offset + i) != bytes[i]) {
        return false;
      }
    }
    return true;
  }

  /**
   * Returns the seeded hash of these bytes, the same as {@link ConnParam#peDataHash(int)} for equal
   * bytes. A seed chosen at random per core instance keeps crafted colliding keys from piling up.
   */
  public int hash(int seed) {
    return hash(ByteBuffer.wrap(bytes), 0, bytes.length, seed);
  }

  /**
   * Returns the seeded 32-bit MurmurHash3 of {@code length} bytes of {@code buffer} at {@code
   * offset}.
   */
  public static int hash(ByteBuffer buffer, int offset, int length, int seed) {
    int h = seed;
    int i = 0;
    boolean bigEndian = buffer.order() == ByteOrder.BIG_ENDIAN;
    for (; i + 4 <= length; i += 4) {
      int word = buffer.getInt(offset + i); // four bytes in one read, taken little-endian
      int k = bigEndian ? Integer.reverseBytes(word) : word;
      h ^= mixK(k);
      h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
    }
    int k = 0;
    for (int shift = 0; i < length; i++, shift += 8) {
      k |= (buffer.get(offset + i) & 0xff) << shift;
    }
    h ^= mixK(k);
    h ^= length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }

  private static int mixK(int k) {
    return Integer.rotateLeft(k * 0xcc9e2d51, 15) * 0x1b873593;
  }

  /**
   * Returns the bytes as printable text for a listing or a log line: bytes 0x20..0x7e as they are,
   * every other byte (CR, LF, other controls, DEL, non-ASCII) as {@code \xHH}, so that hostile pe
   * data cannot forge lines.
   */
  public String toPrintableString() {
    return printable(ByteBuffer.wrap(bytes), 0, bytes.length);
  }

  /**
   * Returns {@code length} bytes of {@code buffer} as printable text, as {@link
   * #toPrintableString()}.
   */
  public static String printable(ByteBuffer buffer, int offset, int length) {
    Objects.requireNonNull(buffer, "buffer");
    StringBuilder sb = new StringBuilder(length + 8);
    for (int i = 0; i < length; i++) {
      int b = buffer.get(offset + i) & 0xff;
      if (b >= 0x20 && b <= 0x7e) {
        sb.append((char) b);
      } else {
        sb.append("\\x")
            .append(Character.forDigit(b >>> 4, 16))
            .append(Character.forDigit(b & 15, 16));
      }
    }
    return sb.toString();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof PeData && Arrays.equals(bytes, ((PeData) o).bytes);
  }

  @Override
  public int hashCode() {
    return Arrays.hashCode(bytes);
  }

  /** Returns {@link #toPrintableString()}. */
  @Override
  public String toString() {
    return toPrintableString();
  }
}
