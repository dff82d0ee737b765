package io.pe4j.api;

import java.net.Inet4Address;
import java.net.Inet6Address;
import java.net.InetAddress;
import java.net.UnknownHostException;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * An immutable IPv4 or IPv6 address held as two {@code long}s, so that masking and comparison
 * allocate nothing. An IPv4 address lives in the low 32 bits of {@link #lo()}.
 *
 * <p>{@link #toString()} gives dotted quads for IPv4 and the RFC 5952 canonical text for IPv6.
 */
public final class IpAddress implements Comparable<IpAddress> {

  private final boolean ipv6;
  private final long hi;
  private final long lo;

  private IpAddress(boolean ipv6, long hi, long lo) {
    this.ipv6 = ipv6;
    this.hi = hi;
    this.lo = ipv6 ? lo : lo & 0xffff_ffffL;
  }

  /** Returns the IPv4 address whose network-order value is {@code address}. */
  public static IpAddress ofIpv4(int address) {
    return new IpAddress(false, 0, address & 0xffff_ffffL);
  }

  /** Returns the IPv6 address with the given upper and lower 64 bits. */
  public static IpAddress ofIpv6(long hi, long lo) {
    return new IpAddress(true, hi, lo);
  }

  /** Returns the address for raw fields as {@link Datagram} and {@link ConnParam} hold them. */
  public static IpAddress of(boolean ipv6, long hi, long lo) {
    return new IpAddress(ipv6, hi, lo);
  }

  /**
   * Returns the address of 4 or 16 network-order bytes.
   *
   * @throws IllegalArgumentException if {@code bytes} is neither 4 nor 16 bytes long
   */
  public static IpAddress of(byte[] bytes) {
    if (bytes.length == 4) {
      return ofIpv4(readInt(bytes, 0));
    }
    if (bytes.length == 16) {
      return ofIpv6(
          ((long) readInt(bytes, 0) << 32) | (readInt(bytes, 4) & 0xffff_ffffL),
          ((long) readInt(bytes, 8) << 32) | (readInt(bytes, 12) & 0xffff_ffffL));
    }
    throw new IllegalArgumentException("an IP address has 4 or 16 bytes, not " + bytes.length);
  }

  /** Returns the address of a {@link InetAddress}. */
  public static IpAddress of(InetAddress address) {
    return of(address.getAddress());
  }

  /**
   * Parses an IPv4 dotted quad or an IPv6 literal (optionally in brackets). Never resolves names.
   *
   * @throws IllegalArgumentException naming the text if it is not an address literal
   */
  public static IpAddress parse(String text) {
    String s = text.trim();
    if (s.startsWith("[") && s.endsWith("]")) {
      s = s.substring(1, s.length() - 1);
    }
    if (s.indexOf(':') < 0) {
      int v = parseIpv4(s);
      if (v == -1 && !s.equals("255.255.255.255")) {
        throw new IllegalArgumentException("not an IPv4 address: '" + text + "'");
      }
      return ofIpv4(v);
    }
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (!(Character.digit(c, 16) >= 0 || c == ':' || c == '.')) {
        throw new IllegalArgumentException("not an IPv6 address: '" + text + "'");
      }
    }
    try {
      // A literal containing ':' is never resolved through DNS.
      InetAddress a = InetAddress.getByName(s);
      if (a instanceof Inet4Address) {
        // ::ffff:a.b.c.d is returned as IPv4 by the JDK; keep it as the IPv6 it was written as.
        return ofIpv6(0, 0xffff_0000_0000L | (readInt(a.getAddress(), 0) & 0xffff_ffffL));
      }
      return of(a);
    } catch (UnknownHostException | RuntimeException e) {
      throw new IllegalArgumentException("not an IPv6 address: '" + text + "'", e);
    }
  }

  /**
   * Returns the value of a strict dotted quad, or -1 when it is not one (or is 255.255.255.255).
   */
  private static int parseIpv4(String s) {
    int value = 0;
    int parts = 0;
    int i = 0;
    while (i <= s.length()) {
      int start = i;
      int part = 0;
      while (i < s.length() && s.charAt(i) >= '0' && s.charAt(i) <= '9' && i - start < 3) {
        part = part * 10 + (s.charAt(i) - '0');
        i++;
      }
      if (i == start || part > 255) {
        return -1;
      }
      value = (value << 8) | part;
      parts++;
      if (i == s.length()) {
        break;
      }
      if (s.charAt(i) != '.' || parts == 4) {
        return -1;
      }
      i++;
    }
    return parts == 4 ? value : -1;
  }

  private static int readInt(byte[] b, int o) {
    return ((b[o] & 0xff) << 24)
        | ((b[o + 1] & 0xff) << 16)
        | ((b[o + 2] & 0xff) << 8)
        | (b[o + 3] & 0xff);
  }

  /** Returns whether this is an IPv6 address. */
  public boolean isIpv6() {
    return ipv6;
  }

  /** Returns the upper 64 bits (0 for IPv4). */
  public long hi() {
    return hi;
  }

  /** Returns the lower 64 bits; for IPv4 the address in the low 32 bits. */
  public long lo() {
    return lo;
  }

  /** Returns the IPv4 address as a network-order {@code int}. */
  public int ipv4() {
    return (int) lo;
  }

  /** Returns the address with all but the first {@code prefixLength} bits zeroed. */
  public IpAddress withPrefix(int prefixLength) {
    int bits = ipv6 ? 128 : 32;
    if (prefixLength < 0 || prefixLength > bits) {
      throw new IllegalArgumentException("prefix length must be 0.." + bits + ": " + prefixLength);
    }
    if (!ipv6) {
      return ofIpv4(ipv4() & prefixMaskIpv4(prefixLength));
    }
    return ofIpv6(hi & prefixMaskHi(prefixLength), lo & prefixMaskLo(prefixLength));
  }

  /** Returns the IPv4 netmask of a prefix length 0..32. */
  public static int prefixMaskIpv4(int prefixLength) {
    return prefixLength == 0 ? 0 : -1 << (32 - prefixLength);
  }

  /** Returns the upper 64 bits of the IPv6 netmask of a prefix length 0..128. */
  public static long prefixMaskHi(int prefixLength) {
    return prefixLength == 0 ? 0 : prefixLength >= 64 ? -1L : -1L << (64 - prefixLength);
  }

  /** Returns the lower 64 bits of the IPv6 netmask of a prefix length 0..128. */
  public static long prefixMaskLo(int prefixLength) {
    return prefixLength <= 64 ? 0 : -1L << (128 - prefixLength);
  }

  /** Returns the 4 or 16 network-order bytes. */
  public byte[] toBytes() {
    byte[] out = new byte[ipv6 ? 16 : 4];
    if (ipv6) {
      for (int i = 0; i < 8; i++) {
        out[i] = (byte) (hi >>> (56 - 8 * i));
        out[8 + i] = (byte) (lo >>> (56 - 8 * i));
      }
    } else {
      for (int i = 0; i < 4; i++) {
        out[i] = (byte) (lo >>> (24 - 8 * i));
      }
    }
    return out;
  }

  /** Returns the {@link InetAddress} (an {@link Inet4Address} or {@link Inet6Address}). */
  public InetAddress toInetAddress() {
    try {
      return ipv6
          ? Inet6Address.getByAddress(null, toBytes(), null)
          : InetAddress.getByAddress(toBytes());
    } catch (UnknownHostException e) {
      throw new AssertionError(e); // length is always 4 or 16
    }
  }

  /**
   * Returns the form {@code /proc/net/ip_vs_conn} prints: {@code %08X} for IPv4, eight groups of
   * four lower-case hex digits ({@code %pI6}) for IPv6.
   */
  public String toProcHex() {
    if (!ipv6) {
      return String.format(Locale.ROOT, "%08X", ipv4());
    }
    StringBuilder sb = new StringBuilder(39);
    for (int g = 0; g < 8; g++) {
      if (g > 0) {
        sb.append(':');
      }
      sb.append(String.format(Locale.ROOT, "%04x", group(g)));
    }
    return sb.toString();
  }

  private int group(int g) {
    long word = g < 4 ? hi : lo;
    return (int) (word >>> (48 - 16 * (g & 3))) & 0xffff;
  }

  /** Returns the address as ipvsadm prints it with a port: {@code a.b.c.d:p} or {@code [v6]:p}. */
  public String withPort(int port) {
    return ipv6 ? "[" + this + "]:" + port : this + ":" + port;
  }

  @Override
  public String toString() {
    if (!ipv6) {
      int v = ipv4();
      return (v >>> 24) + "." + ((v >>> 16) & 0xff) + "." + ((v >>> 8) & 0xff) + "." + (v & 0xff);
    }
    if (hi == 0 && (lo >>> 32) == 0xffffL) {
      return "::ffff:" + ofIpv4((int) lo);
    }
    // RFC 5952: compress the longest run (>= 2) of zero groups, the first on a tie; lower case.
    int bestStart = -1;
    int bestLen = 1;
    for (int g = 0; g < 8; ) {
      if (group(g) != 0) {
        g++;
        continue;
      }
      int start = g;
      while (g < 8 && group(g) == 0) {
        g++;
      }
      if (g - start > bestLen) {
        bestStart = start;
        bestLen = g - start;
      }
    }
    StringBuilder sb = new StringBuilder(39);
    for (int g = 0; g < 8; g++) {
      if (g == bestStart) {
        sb.append("::");
        g += bestLen - 1;
        continue;
      }
      if (sb.length() > 0 && sb.charAt(sb.length() - 1) != ':') {
        sb.append(':');
      }
      sb.append(Integer.toHexString(group(g)));
    }
    return sb.toString();
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof IpAddress
        && ((IpAddress) o).ipv6 == ipv6
        && ((IpAddress) o).hi == hi
        && ((IpAddress) o).lo == lo;
  }

  @Override
  public int hashCode() {
    return Long.hashCode(hi * 31 + lo) + (ipv6 ? 1 : 0);
  }

  @Override
  public int compareTo(IpAddress o) {
    if (ipv6 != o.ipv6) {
      return ipv6 ? 1 : -1;
    }
    int c = Long.compareUnsigned(hi, o.hi);
    return c != 0 ? c : Long.compareUnsigned(lo, o.lo);
  }
}
