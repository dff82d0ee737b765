package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.IpAddress;
import org.junit.jupiter.api.Test;

/**
 * The replay's count of calls: a call is a key seen within a template's life of its last datagram.
 */
class ReplayCallsTest {

  private static final long S = 1_000_000_000L;

  private static ReplayCalls.Key key(int port) {
    return new ReplayCalls.Key().fill(IpAddress.parse("192.0.2.1"), port);
  }

  @Test
  void aKeyQuietLongerThanATemplateLives_isANewCall_exactlyThen() {
    ReplayCalls calls = new ReplayCalls(61 * S);
    calls.see(key(1), "a", 0, 0);
    calls.expire(30 * S);
    calls.see(key(1), "a", 0, 61 * S); // quiet exactly the template's life: the same call
    assertEquals(1, calls.calls);
    // quiet one nanosecond longer, and no sweep in between: a new call all the same
    ReplayCalls.Call c = calls.see(key(1), "b", 0, 122 * S + 1);
    assertEquals(2, calls.calls);
    assertFalse(c.changed, "another server for a new call is not a split");
    assertEquals(1, c.datagrams);
    assertEquals(0, calls.splitCalls);
  }

  @Test
  void anotherServerWithinTheLife_isAChange() {
    ReplayCalls calls = new ReplayCalls(61 * S);
    calls.see(key(1), "a", 0, 0);
    ReplayCalls.Call c = calls.see(key(1), "b", 0, 10 * S);
    assertTrue(c.changed);
    assertEquals("a", c.previousServer);
    calls.split(c, "why");
    calls.split(c, "why");
    assertEquals(1, calls.splitCalls, "a call is split once");
    assertEquals(2, calls.changes);
  }

  @Test
  void aRefilledKey_isNotTheKeyKept() {
    ReplayCalls calls = new ReplayCalls(61 * S);
    ReplayCalls.Key probe = new ReplayCalls.Key();
    calls.see(probe.fill(IpAddress.parse("192.0.2.1"), 1), "a", 0, 0);
    calls.see(probe.fill(IpAddress.parse("192.0.2.1"), 2), "a", 0, S);
    calls.see(probe.fill(IpAddress.parse("192.0.2.1"), 1), "a", 0, 2 * S);
    assertEquals(2, calls.calls, "two keys, the first seen twice");
  }
}
