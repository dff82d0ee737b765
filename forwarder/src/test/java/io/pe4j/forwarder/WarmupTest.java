package io.pe4j.forwarder;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class WarmupTest {

  @Test
  void runsRoundTripsThroughAPrivateForwarder_andLeavesNoThreadBehind() throws Exception {
    int before = Thread.activeCount();
    Warmup.Result r = Warmup.run(2_000, 1, Duration.ofSeconds(30));
    System.out.println("warm-up: " + r);
    // 4 clients of 500 ping-pongs on loopback: a lost datagram only costs its round trip
    assertTrue(r.roundTrips() >= 1_900 && r.roundTrips() <= 2_000, r.toString());
    long deadline = System.nanoTime() + 5_000_000_000L;
    while (Thread.activeCount() > before && System.nanoTime() < deadline) {
      Thread.sleep(50);
    }
    assertTrue(
        Thread.activeCount() <= before, "threads left: " + Thread.activeCount() + " > " + before);
  }

  @Test
  void givesUpAtItsTimeLimit() throws Exception {
    Warmup.Result r = Warmup.run(10_000_000, 1, Duration.ofMillis(300));
    assertTrue(r.took().toMillis() < 5_000, r.toString());
    assertTrue(r.roundTrips() < 10_000_000, r.toString());
  }
}
