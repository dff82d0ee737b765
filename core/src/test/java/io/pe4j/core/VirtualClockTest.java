package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import org.junit.jupiter.api.Test;

class VirtualClockTest {

  @Test
  void at_setsSecondsToTheNanosecond() {
    VirtualClock c = new VirtualClock();
    c.at("299.999");
    assertEquals(299_999_000_000L, c.read());
    assertEquals("299.999", c.seconds());
    c.at(300);
    assertEquals("300", c.seconds());
  }

  @Test
  void timeMustNotGoBackwards() {
    VirtualClock c = new VirtualClock().at("10");
    IllegalArgumentException e = assertThrows(IllegalArgumentException.class, () -> c.at("9.5"));
    assertEquals("time must not go backwards: 9.5 < 10", e.getMessage());
    assertThrows(IllegalArgumentException.class, () -> c.advanceNanos(-1));
  }
}
