package io.pe4j.cli.capture;

import java.nio.ByteBuffer;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * Takes frames down to the UDP datagram a balancer on that link would see: link layer (below), IPv4
 * or IPv6 with its extension headers, fragments reassembled, then UDP. Every frame either reaches
 * the sink once (a reassembled datagram at its last fragment) or is counted by reason, so that
 * frames read = datagrams given + {@link #notListed()}.
 *
 * <p>Link types: Ethernet (802.1Q, 802.1ad and 0x9100 tags, PPPoE sessions, MPLS), PPP, Linux
 * cooked v1 and v2, raw IP (12, 14, 101, 228, 229) and BSD loopback (0). Tunnels (IP-in-IP, GRE,
 * GTP-U) are not opened: a balancer on the outer network sees the outer packet.
 */
public final class FrameDecoder {

  /** Receives one UDP datagram; the arrays are valid only during the call. */
  public interface Sink {
    /** Takes the datagram of frame {@code number}. */
    void datagram(
        long number,
        byte[] source,
        int sourcePort,
        byte[] destination,
        int destinationPort,
        byte[] payload,
        int offset,
        int length);
  }

  static final int LINKTYPE_NULL = 0;
  static final int LINKTYPE_ETHERNET = 1;
  static final int LINKTYPE_PPP = 9;
  static final int LINKTYPE_RAW_OPENBSD = 12;
  static final int LINKTYPE_RAW_BSDOS = 14;
  static final int LINKTYPE_RAW = 101;
  static final int LINKTYPE_LINUX_SLL = 113;
  static final int LINKTYPE_IPV4 = 228;
  static final int LINKTYPE_IPV6 = 229;
  static final int LINKTYPE_LINUX_SLL2 = 276;

  private final Map<String, Long> notListed = new TreeMap<>();
  private final Reassembler reassembler = new Reassembler(this::count);
  private long listed;
  // reused for every frame: nothing is allocated for a datagram that is not reassembled
  private final byte[] source4 = new byte[4];
  private final byte[] destination4 = new byte[4];
  private final byte[] source16 = new byte[16];
  private final byte[] destination16 = new byte[16];
  private ByteBuffer frame = ByteBuffer.allocate(0);

  /** Returns the frames not given to the sink, by reason. */
  public Map<String, Long> notListed() {
    return notListed;
  }

  /** Returns how many datagrams were given to the sink. */
  public long listed() {
    return listed;
  }

  void count(String reason, long n) {
    notListed.merge(reason, n, Long::sum);
  }

  /** Decodes the reader's current frame. */
  public void decode(CaptureReader r, Sink sink) {
    if (r.oversize()) {
      count("frame over " + CaptureReader.MAX_FRAME + " bytes", 1);
      return;
    }
    String reason =
        decode(r.number(), r.timeNanos(), r.linkType(), r.data(), r.length(), snapped(r), sink);
    if (reason != null) {
      count(reason, 1);
    }
  }

  /** Counts what is still waiting for fragments: call at the end of the capture. */
  public void finish() {
    reassembler.expireAll();
  }

  private static boolean snapped(CaptureReader r) {
    return r.originalLength() > r.length();
  }

  /** Returns null if the frame was given to the sink or held for reassembly, else a reason. */
  @Nullable String decode(
      long number, long time, int linkType, byte[] f, int length, boolean snapped, Sink sink) {
    if (!frame.hasArray() || frame.array() != f) {
      frame = ByteBuffer.wrap(f);
    }
    ByteBuffer b = frame.clear().limit(length);
    int o;
    int etherType;
    switch (linkType) {
      case LINKTYPE_ETHERNET -> {
        if (length < 14) {
          return "malformed: frame shorter than its Ethernet header";
        }
        return etherType(b, 14, b.getShort(12) & 0xffff, number, time, snapped, sink);
      }
      case LINKTYPE_LINUX_SLL -> {
        if (length < 16) {
          return "malformed: frame shorter than its Linux cooked header";
        }
        return etherType(b, 16, b.getShort(14) & 0xffff, number, time, snapped, sink);
      }
      case LINKTYPE_LINUX_SLL2 -> {
        if (length < 20) {
          return "malformed: frame shorter than its Linux cooked v2 header";
        }
        return etherType(b, 20, b.getShort(0) & 0xffff, number, time, snapped, sink);
      }
      case LINKTYPE_NULL -> {
        if (length < 4) {
          return "malformed: frame shorter than its BSD loopback header";
        }
        // the address family is in the byte order of the machine that captured
        int family = b.getInt(0);
        if ((family & 0xffff_0000) != 0) {
          family = Integer.reverseBytes(family);
        }
        o = 4;
        etherType =
            switch (family) {
              case 2 -> 0x0800;
              case 24, 28, 30 -> 0x86dd; // AF_INET6 on NetBSD/OpenBSD, FreeBSD, macOS
              default -> -1;
            };
        if (etherType < 0) {
          return "not IP: BSD loopback family " + family;
        }
        return ip(b, o, etherType == 0x86dd, number, time, snapped, sink);
      }
      case LINKTYPE_PPP -> {
        o = length >= 2 && (f[0] & 0xff) == 0xff && f[1] == 0x03 ? 2 : 0;
        return ppp(b, o, number, time, snapped, sink);
      }
      case LINKTYPE_RAW, LINKTYPE_RAW_OPENBSD, LINKTYPE_RAW_BSDOS, LINKTYPE_IPV4, LINKTYPE_IPV6 -> {
        if (length < 1) {
          return "malformed: empty frame";
        }
        return ip(b, 0, (f[0] & 0xf0) == 0x60, number, time, snapped, sink);
      }
      default -> {
        return "link type " + linkType + " not read";
      }
    }
  }

  private @Nullable String etherType(
      ByteBuffer b, int o, int type, long number, long time, boolean snapped, Sink sink) {
    int limit = b.limit();
    for (int tags = 0; type == 0x8100 || type == 0x88a8 || type == 0x9100; tags++) {
      if (o + 4 > limit || tags == 4) {
        return "malformed: VLAN tags";
      }
      type = b.getShort(o + 2) & 0xffff;
      o += 4;
    }
    return switch (type) {
      case 0x0800 -> ip(b, o, false, number, time, snapped, sink);
      case 0x86dd -> ip(b, o, true, number, time, snapped, sink);
      case 0x8864 -> { // PPPoE session: ver/type, code, session id, length, then PPP
        if (o + 8 > limit) {
          yield "malformed: frame shorter than its PPPoE header";
        }
        yield ppp(b, o + 6, number, time, snapped, sink);
      }
      case 0x8847, 0x8848 -> mpls(b, o, number, time, snapped, sink);
      case 0x0806 -> "not IP: ARP";
      case 0x8863 -> "not IP: PPPoE discovery";
      default ->
          type < 0x0600
              ? "not IP: 802.3 frame with LLC"
              : String.format("not IP: EtherType 0x%04x", type);
    };
  }

  private @Nullable String ppp(
      ByteBuffer b, int o, long number, long time, boolean snapped, Sink sink) {
    if (o + 2 > b.limit()) {
      return "malformed: frame shorter than its PPP header";
    }
    int protocol = b.getShort(o) & 0xffff;
    return switch (protocol) {
      case 0x0021 -> ip(b, o + 2, false, number, time, snapped, sink);
      case 0x0057 -> ip(b, o + 2, true, number, time, snapped, sink);
      default -> String.format("not IP: PPP protocol 0x%04x", protocol);
    };
  }

  private @Nullable String mpls(
      ByteBuffer b, int o, long number, long time, boolean snapped, Sink sink) {
    for (int labels = 0; ; labels++) {
      if (o + 4 > b.limit() || labels == 8) {
        return "malformed: MPLS label stack";
      }
      boolean bottom = (b.get(o + 2) & 0x01) != 0;
      o += 4;
      if (bottom) {
        break;
      }
    }
    if (o >= b.limit()) {
      return "malformed: MPLS without payload";
    }
    int version = (b.get(o) & 0xf0) >> 4;
    if (version != 4 && version != 6) {
      return "not IP: MPLS payload";
    }
    return ip(b, o, version == 6, number, time, snapped, sink);
  }

  private @Nullable String ip(
      ByteBuffer b, int o, boolean v6, long number, long time, boolean snapped, Sink sink) {
    return v6 ? ipv6(b, o, number, time, snapped, sink) : ipv4(b, o, number, time, snapped, sink);
  }

  private @Nullable String ipv4(
      ByteBuffer b, int o, long number, long time, boolean snapped, Sink sink) {
    int available = b.limit() - o;
    if (available < 20) {
      return snapped ? "snapped by the capture" : "malformed: IPv4 header cut short";
    }
    byte[] f = b.array();
    if ((f[o] & 0xf0) != 0x40) {
      return "malformed: IPv4 header with version " + ((f[o] & 0xf0) >> 4);
    }
    int ihl = (f[o] & 0x0f) * 4;
    int total = b.getShort(o + 2) & 0xffff;
    if (ihl < 20 || total < ihl) {
      return "malformed: IPv4 header length " + ihl + ", total length " + total;
    }
    if (total > available) {
      return snapped ? "snapped by the capture" : "malformed: IPv4 total length beyond the frame";
    }
    int protocol = f[o + 9] & 0xff;
    if (protocol != 17) {
      return "not UDP: " + protocolName(protocol);
    }
    byte[] src = source4;
    byte[] dst = destination4;
    System.arraycopy(f, o + 12, src, 0, 4);
    System.arraycopy(f, o + 16, dst, 0, 4);
    int flags = b.getShort(o + 6) & 0xffff;
    boolean more = (flags & 0x2000) != 0;
    int fragmentOffset = (flags & 0x1fff) * 8;
    if (more || fragmentOffset != 0) {
      String key = "4 " + hex(src) + " " + hex(dst) + " " + (b.getShort(o + 4) & 0xffff);
      byte[] whole = reassembler.add(key, time, fragmentOffset, more, f, o + ihl, total - ihl);
      if (whole == null) {
        return null; // held, or counted by the reassembler
      }
      return udp(ByteBuffer.wrap(whole), 0, whole.length, number, src, dst, false, sink);
    }
    return udp(b, o + ihl, o + total, number, src, dst, snapped, sink);
  }

  private @Nullable String ipv6(
      ByteBuffer b, int o, long number, long time, boolean snapped, Sink sink) {
    int available = b.limit() - o;
    if (available < 40) {
      return snapped ? "snapped by the capture" : "malformed: IPv6 header cut short";
    }
    byte[] f = b.array();
    if ((f[o] & 0xf0) != 0x60) {
      return "malformed: IPv6 header with version " + ((f[o] & 0xf0) >> 4);
    }
    int payload = b.getShort(o + 4) & 0xffff;
    if (payload == 0) {
      return "malformed: IPv6 payload length 0 (jumbogram)";
    }
    if (40 + payload > available) {
      return snapped ? "snapped by the capture" : "malformed: IPv6 payload length beyond the frame";
    }
    int end = o + 40 + payload;
    byte[] src = source16;
    byte[] dst = destination16;
    System.arraycopy(f, o + 8, src, 0, 16);
    System.arraycopy(f, o + 24, dst, 0, 16);
    int next = f[o + 6] & 0xff;
    int p = o + 40;
    for (int headers = 0; ; headers++) {
      if (next == 17) {
        return udp(b, p, end, number, src, dst, snapped, sink);
      }
      if (next != 0 && next != 43 && next != 44 && next != 51 && next != 60 && next != 135) {
        return "not UDP: " + protocolName(next);
      }
      if (p + 8 > end || headers == 16) {
        return "malformed: IPv6 extension headers";
      }
      if (next == 44) { // fragment header
        int field = b.getShort(p + 2) & 0xffff;
        int fragmentOffset = field & 0xfff8;
        boolean more = (field & 1) != 0;
        int inner = f[p] & 0xff;
        if (inner != 17) {
          return more || fragmentOffset != 0
              ? "not UDP: fragment of " + protocolName(inner)
              : "not UDP: " + protocolName(inner);
        }
        if (!more && fragmentOffset == 0) { // an atomic fragment: the whole datagram
          return udp(b, p + 8, end, number, src, dst, snapped, sink);
        }
        String key = "6 " + hex(src) + " " + hex(dst) + " " + b.getInt(p + 4);
        byte[] whole = reassembler.add(key, time, fragmentOffset, more, f, p + 8, end - p - 8);
        if (whole == null) {
          return null;
        }
        return udp(ByteBuffer.wrap(whole), 0, whole.length, number, src, dst, false, sink);
      }
      int size = next == 51 ? ((f[p + 1] & 0xff) + 2) * 4 : ((f[p + 1] & 0xff) + 1) * 8;
      next = f[p] & 0xff;
      p += size;
    }
  }

  private @Nullable String udp(
      ByteBuffer b,
      int o,
      int end,
      long number,
      byte[] src,
      byte[] dst,
      boolean snapped,
      Sink sink) {
    if (o + 8 > end) {
      return snapped ? "snapped by the capture" : "malformed: UDP header cut short";
    }
    int udpLength = b.getShort(o + 4) & 0xffff;
    if (udpLength < 8) {
      return "malformed: UDP length " + udpLength;
    }
    if (o + udpLength > end) {
      return snapped ? "snapped by the capture" : "malformed: UDP length beyond the IP payload";
    }
    listed++;
    sink.datagram(
        number,
        src,
        b.getShort(o) & 0xffff,
        dst,
        b.getShort(o + 2) & 0xffff,
        b.array(),
        o + 8,
        udpLength - 8);
    return null;
  }

  static String protocolName(int protocol) {
    return switch (protocol) {
      case 1 -> "ICMP";
      case 2 -> "IGMP";
      case 4 -> "IP in IP";
      case 6 -> "TCP";
      case 41 -> "IPv6 in IP";
      case 47 -> "GRE";
      case 50 -> "ESP";
      case 58 -> "ICMPv6";
      case 59 -> "no next header";
      case 89 -> "OSPF";
      case 103 -> "PIM";
      case 112 -> "VRRP";
      case 132 -> "SCTP";
      default -> "IP protocol " + protocol;
    };
  }

  private static String hex(byte[] a) {
    StringBuilder sb = new StringBuilder(a.length * 2);
    for (byte x : a) {
      sb.append(Character.forDigit((x >> 4) & 0xf, 16)).append(Character.forDigit(x & 0xf, 16));
    }
    return sb.toString();
  }
}
