package io.pe4j.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertSame;

import io.netty.buffer.ByteBuf;
import io.netty.buffer.ByteBufAllocator;
import io.netty.buffer.Unpooled;
import io.netty.util.ResourceLeakDetector;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

/**
 * The relay's NIO view of a datagram: the datagram's bytes exactly, without a new object a
 * datagram.
 */
class NioViewTest {

  private static byte[] bytes(ByteBuffer b) {
    byte[] out = new byte[b.remaining()];
    b.duplicate().get(out);
    return out;
  }

  private static byte[] bytes(ByteBuf b, int index, int length) {
    byte[] out = new byte[length];
    b.getBytes(index, out);
    return out;
  }

  private static ByteBuf filled(ByteBuf b) {
    for (int i = 0; i < b.capacity(); i++) {
      b.writeByte(i * 31 + 7);
    }
    return b;
  }

  /** Also with leak detection's wrappers around the read buffer and its slices (the e2e tests'). */
  @ParameterizedTest
  @EnumSource(
      value = ResourceLeakDetector.Level.class,
      names = {"DISABLED", "PARANOID"})
  void sliceOfABatchedRead_isViewedThroughTheReadsOwnBuffer_oneObjectForAllItsDatagrams(
      ResourceLeakDetector.Level level) {
    ResourceLeakDetector.Level before = ResourceLeakDetector.getLevel();
    ResourceLeakDetector.setLevel(level);
    ByteBuf read = filled(ByteBufAllocator.DEFAULT.directBuffer(1 << 20, 1 << 20));
    try {
      ByteBuf first = read.retainedSlice(0, 421);
      ByteBuf second = read.retainedSlice(65_536, 65_507);
      second.readerIndex(3);
      ByteBuffer a = CoreCalls.nioView(first, first.readerIndex(), first.readableBytes());
      assertArrayEquals(bytes(first, 0, 421), bytes(a));
      ByteBuffer b = CoreCalls.nioView(second, second.readerIndex(), second.readableBytes());
      assertArrayEquals(bytes(second, 3, 65_504), bytes(b));
      if (read.hasMemoryAddress()) {
        assertSame(a, b, "the read buffer's one NIO view, repositioned");
      }
      first.release();
      second.release();
    } finally {
      read.release();
      ResourceLeakDetector.setLevel(before);
    }
  }

  @Test
  void otherBuffers_areViewedExactlyToo() {
    ByteBuf heap = filled(Unpooled.buffer(2048, 2048));
    ByteBuf heapSlice = heap.slice(100, 900);
    assertArrayEquals(bytes(heapSlice, 5, 800), bytes(CoreCalls.nioView(heapSlice, 5, 800)));
    ByteBuf direct = filled(Unpooled.directBuffer(2048, 2048));
    assertArrayEquals(bytes(direct, 17, 2000), bytes(CoreCalls.nioView(direct, 17, 2000)));
    ByteBuf wrapped = Unpooled.unreleasableBuffer(direct.slice(1000, 1000));
    assertArrayEquals(bytes(wrapped, 1, 999), bytes(CoreCalls.nioView(wrapped, 1, 999)));
    ByteBuf composite = Unpooled.wrappedBuffer(heap.slice(0, 10), direct.slice(0, 10));
    assertArrayEquals(bytes(composite, 2, 15), bytes(CoreCalls.nioView(composite, 2, 15)));
    assertEquals(1, heap.refCnt());
    heap.release();
    direct.release();
  }

  private static void assertArrayEquals(byte[] expected, byte[] actual) {
    org.junit.jupiter.api.Assertions.assertArrayEquals(expected, actual);
  }
}
