package io.pe4j.testkit;

import java.nio.ByteBuffer;
import java.util.List;

/**
 * The buffers a datagram can arrive in, for law 3: a heap buffer with bytes around the payload, a
 * slice of a larger array (so {@code arrayOffset() > 0}), a read-only heap buffer (no {@code
 * array()}), a direct buffer, and the payload flush with either end of its buffer. Around the
 * payload lie bytes that would change the result of an engine that reads them: a copy of the
 * payload itself, {@code 0xff}, NUL or LF.
 */
final class Shapes {

  /** One placement: the buffer (position 3 or less, limit before its last two bytes at most). */
  record Shape(String name, ByteBuffer buffer, int offset) {}

  private Shapes() {}

  static List<Shape> of(byte[] input) {
    int n = input.length;
    return List.of(
        heap("heap, offset 17, a copy of the payload around it", input, 17, 9, input),
        slice(input),
        readOnly(input),
        direct(input),
        heap("heap, payload at the buffer's end", input, 23, 0, new byte[] {0}),
        heapAtStart(input, n));
  }

  private static Shape heap(String name, byte[] input, int offset, int slack, byte[] filler) {
    ByteBuffer b = ByteBuffer.allocate(offset + input.length + slack);
    fill(b, filler);
    place(b, input, offset);
    return new Shape(name, window(b, offset, input.length), offset);
  }

  private static Shape heapAtStart(byte[] input, int n) {
    ByteBuffer b = ByteBuffer.allocate(n + 7);
    fill(b, new byte[] {'\n'});
    place(b, input, 0);
    return new Shape("heap, payload at the buffer's start, LF after it", window(b, 0, n), 0);
  }

  /** A slice of a larger wrapped array: {@code arrayOffset()} is 29, the payload at 5 in it. */
  private static Shape slice(byte[] input) {
    byte[] big = new byte[29 + 5 + input.length + 11];
    java.util.Arrays.fill(big, (byte) 0xff);
    ByteBuffer b = ByteBuffer.wrap(big, 29, big.length - 29).slice();
    place(b, input, 5);
    return new Shape(
        "heap slice of a larger array (arrayOffset 29), offset 5, 0xff around",
        window(b, 5, input.length),
        5);
  }

  private static Shape readOnly(byte[] input) {
    ByteBuffer b = ByteBuffer.allocate(11 + input.length + 6);
    fill(b, input);
    place(b, input, 11);
    ByteBuffer ro = window(b, 11, input.length).asReadOnlyBuffer();
    return new Shape("read-only heap buffer, offset 11", ro, 11);
  }

  private static Shape direct(byte[] input) {
    ByteBuffer b = ByteBuffer.allocateDirect(13 + input.length + 8);
    fill(b, new byte[] {0});
    place(b, input, 13);
    return new Shape("direct buffer, offset 13, NUL around", window(b, 13, input.length), 13);
  }

  private static void fill(ByteBuffer b, byte[] pattern) {
    for (int i = 0; i < b.capacity(); i++) {
      b.put(i, pattern.length == 0 ? 0 : pattern[i % pattern.length]);
    }
  }

  private static void place(ByteBuffer b, byte[] input, int offset) {
    for (int i = 0; i < input.length; i++) {
      b.put(offset + i, input[i]);
    }
  }

  /** Sets a position and a limit that an engine must not rely on, around the payload. */
  private static ByteBuffer window(ByteBuffer b, int offset, int length) {
    int cap = b.capacity();
    int limit = Math.max(offset + length, cap - 2);
    b.limit(Math.min(cap, limit)).position(Math.min(3, offset));
    return b;
  }
}
