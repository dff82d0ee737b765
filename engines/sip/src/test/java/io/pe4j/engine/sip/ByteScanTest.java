package io.pe4j.engine.sip;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.Random;
import org.junit.jupiter.api.Test;

/**
 * The extractor's scan for a byte reads eight at a time: it must find exactly what a byte-by-byte
 * scan finds, in heap and direct buffers of either byte order, from any offset, whatever the bytes
 * around it (0x00, 0x01, 0x80, 0xff are where a word trick would carry or borrow into a false
 * match). Prints its seed; replay one with {@code -Dpe4j.seed=N}.
 */
class ByteScanTest {

  private static final byte[] INTERESTING = {'\n', ':', '\r', 0, 1, (byte) 0x80, (byte) 0xff, 0x7f};

  @Test
  void findsWhatAByteByByteScanFinds() {
    long seed = Long.getLong("pe4j.seed", System.nanoTime());
    System.out.println("findsWhatAByteByByteScanFinds seed=" + seed);
    Random random = new Random(seed);
    for (int round = 0; round < 20_000; round++) {
      int size = random.nextInt(80);
      byte[] bytes = new byte[size];
      for (int i = 0; i < size; i++) {
        bytes[i] =
            random.nextInt(3) == 0
                ? INTERESTING[random.nextInt(INTERESTING.length)]
                : (byte) random.nextInt(256);
      }
      byte value = INTERESTING[random.nextInt(INTERESTING.length)];
      int from = size == 0 ? 0 : random.nextInt(size + 1);
      int end = from + random.nextInt(size - from + 1);
      int expected = -1;
      for (int i = from; i < end; i++) {
        if (bytes[i] == value) {
          expected = i;
          break;
        }
      }
      for (ByteOrder order : new ByteOrder[] {ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN}) {
        ByteBuffer heap = ByteBuffer.wrap(bytes).order(order);
        ByteBuffer direct = ByteBuffer.allocateDirect(size).order(order).put(bytes).clear();
        for (ByteBuffer b : new ByteBuffer[] {heap, direct}) {
          assertEquals(
              expected,
              CallIdExtractor.indexOf(b, value, from, end),
              () ->
                  "seed="
                      + seed
                      + " "
                      + order
                      + (b.isDirect() ? " direct" : " heap")
                      + " ["
                      + from
                      + ", "
                      + end
                      + ") of "
                      + java.util.HexFormat.of().formatHex(bytes)
                      + " for 0x"
                      + Integer.toHexString(value & 0xff));
        }
      }
    }
  }
}
