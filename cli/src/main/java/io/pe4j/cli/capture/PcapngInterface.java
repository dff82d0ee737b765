package io.pe4j.cli.capture;

import com.google.common.math.LongMath;

/**
 * A pcapng interface of the current section: its link type and its timestamp resolution, {@code
 * 10^-exponent} s or, when {@code binary}, {@code 2^-exponent} s (option {@code if_tsresol};
 * microseconds without it).
 */
record PcapngInterface(int linkType, int exponent, boolean binary) {

  /** A packet block's timestamp, in units of this interface's resolution, in nanoseconds. */
  long nanos(long units) {
    if (binary) {
      long seconds = units >>> exponent;
      long fraction = units & ((1L << exponent) - 1);
      return seconds * 1_000_000_000L + (long) (fraction * (1e9 / (1L << exponent)));
    }
    return exponent <= 9
        ? units * LongMath.pow(10, 9 - exponent)
        : units / LongMath.pow(10, exponent - 9);
  }
}
