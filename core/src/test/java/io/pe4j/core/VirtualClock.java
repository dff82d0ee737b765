package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import java.math.BigDecimal;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A manual clock in nanoseconds, usable as the core's {@link Ticker}, the one clock of the core's
 * tests and scenarios: time moves only when a test says so, so every timeout rule can be checked to
 * the nanosecond. Starts at 0.
 */
public final class VirtualClock implements Ticker, java.util.function.LongSupplier {

  private final AtomicLong nanos = new AtomicLong();

  /** Creates a clock at time 0. */
  public VirtualClock() {}

  /** Returns the time in nanoseconds, as {@link #read()}: the clock {@code Ipvs.Builder} takes. */
  @Override
  public long getAsLong() {
    return read();
  }

  @Override
  public long read() {
    return nanos.get();
  }

  /**
   * Sets the time to {@code seconds} (decimals allowed: {@code "299.999"}).
   *
   * @throws IllegalArgumentException if that is earlier than now
   */
  public VirtualClock at(String seconds) {
    long target = new BigDecimal(seconds).movePointRight(9).longValueExact();
    return atNanos(target);
  }

  /** Sets the time to {@code seconds}; see {@link #at(String)}. */
  public VirtualClock at(double seconds) {
    return at(BigDecimal.valueOf(seconds).toPlainString());
  }

  /** Sets the time in nanoseconds; it must not go backwards. */
  public VirtualClock atNanos(long target) {
    long now = nanos.get();
    if (target < now) {
      throw new IllegalArgumentException(
          "time must not go backwards: " + format(target) + " < " + format(now));
    }
    nanos.set(target);
    return this;
  }

  /** Moves the time forward by {@code nanos}. */
  public VirtualClock advanceNanos(long delta) {
    if (delta < 0) {
      throw new IllegalArgumentException("time must not go backwards: " + delta);
    }
    nanos.addAndGet(delta);
    return this;
  }

  /** Sets the time to {@code s} seconds (the core's own tests' shorthand). */
  public void seconds(double s) {
    at(s);
  }

  /** Moves the time forward by {@code s} seconds. */
  public void advanceSeconds(double s) {
    advanceNanos(Math.round(s * 1e9));
  }

  /** Returns the time as seconds text, without trailing zeros ({@code 299.999}). */
  public String seconds() {
    return format(nanos.get());
  }

  static String format(long nanos) {
    return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
  }
}
