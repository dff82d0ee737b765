package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import java.util.concurrent.atomic.AtomicLong;

/** A manual ticker for the core's own tests (the testkit's VirtualClock depends on the core). */
final class TestClock implements Ticker {
  private final AtomicLong nanos = new AtomicLong();

  @Override
  public long read() {
    return nanos.get();
  }

  void seconds(double s) {
    nanos.set(Math.round(s * 1e9));
  }

  void advanceSeconds(double s) {
    nanos.addAndGet(Math.round(s * 1e9));
  }
}
