package io.pe4j.testkit;

import io.pe4j.api.IpAddress;
import java.util.Random;

/**
 * Seeded, reproducible generators of datagrams and addresses. Every generator draws from one {@link
 * Random}, so a seed replays a whole run.
 */
public final class Gen {

  /** The largest UDP payload over IPv4: 65,535 minus 20 (IP) and 8 (UDP). */
  public static final int MAX_UDP_PAYLOAD = 65_507;

  private final Random random;
  private final long seed;

  /** Creates a generator with the given seed. */
  public Gen(long seed) {
    this.seed = seed;
    this.random = new Random(seed);
  }

  /** Returns the seed. */
  public long seed() {
    return seed;
  }

  /** Returns the underlying random source. */
  public Random random() {
    return random;
  }

  /** Returns an int in [0, bound). */
  public int nextInt(int bound) {
    return random.nextInt(bound);
  }

  /** Returns true with probability {@code p}. */
  public boolean chance(double p) {
    return random.nextDouble() < p;
  }

  /**
   * Returns random bytes of a random size: mostly small, sometimes up to {@link #MAX_UDP_PAYLOAD}.
   */
  public byte[] bytes() {
    int roll = random.nextInt(100);
    int size =
        roll < 5
            ? 0
            : roll < 70
                ? random.nextInt(64)
                : roll < 95 ? random.nextInt(1500) : random.nextInt(MAX_UDP_PAYLOAD + 1);
    return bytes(size);
  }

  /** Returns {@code size} random bytes. */
  public byte[] bytes(int size) {
    byte[] b = new byte[size];
    random.nextBytes(b);
    return b;
  }

  /** Returns a prefix of {@code b} of random length (possibly empty or whole). */
  public byte[] truncation(byte[] b) {
    return java.util.Arrays.copyOf(b, random.nextInt(b.length + 1));
  }

  /** Returns {@code b} with one byte replaced by a random value (a copy; empty stays empty). */
  public byte[] mutation(byte[] b) {
    byte[] copy = b.clone();
    if (copy.length > 0) {
      copy[random.nextInt(copy.length)] = (byte) random.nextInt(256);
    }
    return copy;
  }

  /** Returns a random IPv4 address. */
  public IpAddress ipv4() {
    return IpAddress.ofIpv4(random.nextInt());
  }

  /** Returns a random IPv6 address in 2001:db8::/32. */
  public IpAddress ipv6() {
    return IpAddress.ofIpv6(
        0x2001_0db8_0000_0000L | (random.nextLong() & 0xffff_ffffL), random.nextLong());
  }

  /** Returns a random port 1..65535. */
  public int port() {
    return 1 + random.nextInt(65_535);
  }
}
