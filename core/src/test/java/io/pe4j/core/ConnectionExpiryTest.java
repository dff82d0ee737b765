package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/**
 * A connection lives until its UDP timeout after its last datagram, to the nanosecond, however
 * little each datagram moves that time (Caffeine drops a read's re-time by less than its 1 s
 * tolerance; before the granule timer, such a connection expired up to a second early).
 */
class ConnectionExpiryTest {

  private static String forward(Ipvs ipvs, String from) {
    return ipvs.process(Packets.udp(from, "10.0.0.1:5060", new byte[] {1})).toString();
  }

  @Test
  void connectionRefreshedBySubSecondSteps_livesUntilItsTimeoutAfterTheLastDatagram() {
    VirtualClock clock = new VirtualClock();
    Ipvs ipvs = Ipvs.builder().ticker(clock).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr"); // no persistence, no OPS: a connection per client
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m");
    String first = forward(ipvs, "198.51.100.10:5060");
    for (long ms = 100; ms <= 900; ms += 100) { // nine datagrams, 0.1 s apart
      clock.atNanos(ms * 1_000_000L);
      assertEquals(first, forward(ipvs, "198.51.100.10:5060"));
    }
    long timeout = ipvs.timeouts().udp() * 1_000_000_000L;
    clock.atNanos(900_000_000L + timeout - 1);
    assertEquals(first, forward(ipvs, "198.51.100.10:5060"), "its connection, 1 ns before expiry");
    // control: once expired, rr schedules the client anew, to the other server
    clock.atNanos(2 * (900_000_000L + timeout));
    assertEquals(
        first.equals("FORWARD 192.168.10.1:5060")
            ? "FORWARD 192.168.10.2:5060"
            : "FORWARD 192.168.10.1:5060",
        forward(ipvs, "198.51.100.10:5060"));
  }
}
