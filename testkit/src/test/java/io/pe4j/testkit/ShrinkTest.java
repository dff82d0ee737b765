package io.pe4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;

class ShrinkTest {

  @Test
  void removesLinesThenBytesWhileTheFailurePersists() {
    byte[] input =
        "INVITE sip:b SIP/2.0\r\nVia: x\r\nBAD\0line\r\nCSeq: 1\r\n\r\n"
            .getBytes(StandardCharsets.ISO_8859_1);
    byte[] shrunk =
        Shrink.datagram(input, b -> new String(b, StandardCharsets.ISO_8859_1).contains("\0"));
    assertEquals("\0", new String(shrunk, StandardCharsets.ISO_8859_1));
  }

  @Test
  void keepsTheInputWhenNothingSmallerFails() {
    byte[] input = {1, 2, 3};
    assertEquals(3, Shrink.datagram(input, b -> b.length == 3).length);
  }

  @Test
  void reportsHexAndText() {
    byte[] b = {'a', '\r', '\n', 0, (byte) 0xff};
    assertEquals("610d0a00ff", Shrink.hex(b));
    assertEquals("a\\r\\n\\x00\\xff", Shrink.printable(b));
  }

  @Test
  void generators_areReproducibleFromTheSeed() {
    SipGen a = new SipGen(new Gen(7));
    SipGen b = new SipGen(new Gen(7));
    for (int i = 0; i < 20; i++) {
      assertEquals(
          new String(a.variant("x@y"), StandardCharsets.ISO_8859_1),
          new String(b.variant("x@y"), StandardCharsets.ISO_8859_1));
    }
  }
}
