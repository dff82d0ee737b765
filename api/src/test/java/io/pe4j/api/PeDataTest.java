package io.pe4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

class PeDataTest {

  /**
   * Comparison against datagram bytes in heap, direct and read-only buffers of either byte order,
   * at any offset, for every length 1..255: equal bytes match, one differing byte anywhere does
   * not, and the answer is the one {@link java.util.Arrays#equals} gives.
   */
  @Test
  void contentEquals_agreesWithArraysEquals_inEveryKindOfBuffer() {
    long seed = seed("contentEquals");
    Random random = new Random(seed);
    for (int length = 1; length <= PeData.MAX_LENGTH; length++) {
      byte[] key = randomBytes(random, length);
      PeData data = PeData.of(key);
      int offset = random.nextInt(40);
      byte[] wire = new byte[offset + length + random.nextInt(40)];
      random.nextBytes(wire);
      System.arraycopy(key, 0, wire, offset, length);
      int flip = random.nextInt(length);
      for (ByteBuffer b : buffers(wire)) {
        String at = "seed " + seed + ", length " + length + ", " + b;
        assertEquals(true, data.contentEquals(b, offset, length), at);
        assertEquals(false, data.contentEquals(b, offset, length - 1), at + " shorter");
        b.put(offset + flip, (byte) (wire[offset + flip] ^ 1));
        assertEquals(false, data.contentEquals(b, offset, length), at + " byte " + flip);
        b.put(offset + flip, wire[offset + flip]);
      }
      ByteBuffer readOnly = ByteBuffer.wrap(wire).asReadOnlyBuffer();
      assertEquals(true, data.contentEquals(readOnly, offset, length));
      wire[offset + flip] ^= 1;
      assertEquals(false, data.contentEquals(readOnly, offset, length), "read-only, changed");
    }
  }

  /** The hash is MurmurHash3 (x86, 32-bit) of the bytes, whatever the buffer and its order. */
  @Test
  void hash_isMurmur3OfTheBytes_inEveryKindOfBuffer() {
    // MurmurHash3_x86_32 reference values (seed 0): "" -> 0, "hello" -> 0x248bfa47
    assertEquals(
        0x248bfa47,
        PeData.of("hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII)).hash(0));
    long seed = seed("hash");
    Random random = new Random(seed);
    for (int length = 1; length <= PeData.MAX_LENGTH; length++) {
      byte[] key = randomBytes(random, length);
      int expected = reference(key, 42);
      assertEquals(expected, PeData.of(key).hash(42), "seed " + seed + ", length " + length);
      for (ByteBuffer b : buffers(key)) {
        assertEquals(expected, PeData.hash(b, 0, length, 42), "seed " + seed + ", " + b);
      }
    }
  }

  /** Byte-at-a-time MurmurHash3_x86_32, written from the algorithm's description. */
  private static int reference(byte[] data, int seed) {
    int h = seed;
    int blocks = data.length / 4;
    for (int b = 0; b < blocks; b++) {
      int k =
          (data[4 * b] & 0xff)
              | (data[4 * b + 1] & 0xff) << 8
              | (data[4 * b + 2] & 0xff) << 16
              | (data[4 * b + 3] & 0xff) << 24;
      k *= 0xcc9e2d51;
      k = Integer.rotateLeft(k, 15);
      k *= 0x1b873593;
      h ^= k;
      h = Integer.rotateLeft(h, 13) * 5 + 0xe6546b64;
    }
    int k = 0;
    for (int i = blocks * 4, shift = 0; i < data.length; i++, shift += 8) {
      k |= (data[i] & 0xff) << shift;
    }
    k *= 0xcc9e2d51;
    k = Integer.rotateLeft(k, 15);
    k *= 0x1b873593;
    h ^= k;
    h ^= data.length;
    h ^= h >>> 16;
    h *= 0x85ebca6b;
    h ^= h >>> 13;
    h *= 0xc2b2ae35;
    return h ^ (h >>> 16);
  }

  private static long seed(String test) {
    long seed = Long.getLong("pe4j.seed", System.nanoTime());
    System.out.println(
        "PeDataTest " + test + " seed=" + seed + " (replay: -Dpe4j.seed=" + seed + ")");
    return seed;
  }

  private static byte[] randomBytes(Random random, int length) {
    byte[] b = new byte[length];
    random.nextBytes(b);
    return b;
  }

  private static ByteBuffer[] buffers(byte[] wire) {
    ByteBuffer heapLe = ByteBuffer.wrap(wire.clone()).order(ByteOrder.LITTLE_ENDIAN);
    ByteBuffer direct = ByteBuffer.allocateDirect(wire.length).put(wire).clear();
    ByteBuffer directLe =
        ByteBuffer.allocateDirect(wire.length).order(ByteOrder.LITTLE_ENDIAN).put(wire).clear();
    ByteBuffer sliced = ByteBuffer.wrap(concat(new byte[3], wire)).position(3).slice();
    return new ByteBuffer[] {ByteBuffer.wrap(wire.clone()), heapLe, direct, directLe, sliced};
  }

  private static byte[] concat(byte[] a, byte[] b) {
    byte[] out = new byte[a.length + b.length];
    System.arraycopy(a, 0, out, 0, a.length);
    System.arraycopy(b, 0, out, a.length, b.length);
    return out;
  }
}
