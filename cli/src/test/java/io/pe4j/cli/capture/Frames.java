package io.pe4j.cli.capture;

import io.pe4j.api.IpAddress;
import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

/**
 * Builds captures for tests, byte by byte from the published layouts (pcap-savefile(5), the pcapng
 * draft, RFC 791, RFC 8200, IEEE 802.1Q, RFC 2516), independently of the reader under test.
 */
final class Frames {
  private Frames() {}

  static byte[] sip(String callId) {
    return ("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2.10\r\nCall-ID: "
            + callId
            + "\r\nCSeq: 1 INVITE\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  static byte[] udp(int sport, int dport, byte[] payload) {
    return ByteBuffer.allocate(8 + payload.length)
        .putShort((short) sport)
        .putShort((short) dport)
        .putShort((short) (8 + payload.length))
        .putShort((short) 0)
        .put(payload)
        .array();
  }

  /** An IPv4 packet around {@code payload} (protocol 17 unless given). */
  static byte[] ipv4(
      String src, String dst, int protocol, int id, int flagsAndOffset, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(20 + payload.length);
    b.put((byte) 0x45)
        .put((byte) 0)
        .putShort((short) (20 + payload.length))
        .putShort((short) id)
        .putShort((short) flagsAndOffset)
        .put((byte) 64)
        .put((byte) protocol)
        .putShort((short) 0)
        .putInt(IpAddress.parse(src).ipv4())
        .putInt(IpAddress.parse(dst).ipv4())
        .put(payload);
    return b.array();
  }

  static byte[] ipv4Udp(String callId) {
    return ipv4("192.0.2.10", "198.51.100.1", 17, 1, 0x4000, udp(5060, 5060, sip(callId)));
  }

  /** The IPv4 fragments of a UDP datagram, cut at multiples of {@code step} bytes. */
  static List<byte[]> ipv4Fragments(int id, byte[] udpDatagram, int step) {
    List<byte[]> out = new ArrayList<>();
    for (int off = 0; off < udpDatagram.length; off += step) {
      int n = Math.min(step, udpDatagram.length - off);
      byte[] part = java.util.Arrays.copyOfRange(udpDatagram, off, off + n);
      boolean more = off + n < udpDatagram.length;
      out.add(ipv4("192.0.2.10", "198.51.100.1", 17, id, (more ? 0x2000 : 0) | off / 8, part));
    }
    return out;
  }

  /** An IPv6 packet; with {@code fragment} >= 0 a fragment header (offset, M flag) is added. */
  static byte[] ipv6(int next, byte[] payload, int fragmentOffset, boolean more, int id) {
    boolean frag = fragmentOffset >= 0;
    ByteBuffer b = ByteBuffer.allocate(40 + (frag ? 8 : 0) + payload.length);
    b.putInt(0x60000000)
        .putShort((short) ((frag ? 8 : 0) + payload.length))
        .put((byte) (frag ? 44 : next))
        .put((byte) 64)
        .put(IpAddress.parse("2001:db8::10").toBytes())
        .put(IpAddress.parse("2001:db8::1").toBytes());
    if (frag) {
      b.put((byte) next)
          .put((byte) 0)
          .putShort((short) (fragmentOffset | (more ? 1 : 0)))
          .putInt(id);
    }
    return b.put(payload).array();
  }

  static byte[] ethernet(int etherType, byte[] payload) {
    return ByteBuffer.allocate(14 + payload.length)
        .put(new byte[12])
        .putShort((short) etherType)
        .put(payload)
        .array();
  }

  /** Ethernet with VLAN tags: each {@code tpid} followed by a TCI, then the EtherType. */
  static byte[] ethernetTagged(int[] tpids, int etherType, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(14 + 4 * tpids.length + payload.length).put(new byte[12]);
    for (int i = 0; i < tpids.length; i++) {
      b.putShort((short) tpids[i]).putShort((short) (100 + i));
    }
    return b.putShort((short) etherType).put(payload).array();
  }

  /** Ethernet + PPPoE session + PPP (RFC 2516): protocol 0x0021 for IPv4, 0x0057 for IPv6. */
  static byte[] pppoe(int pppProtocol, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(8 + payload.length);
    b.put((byte) 0x11)
        .put((byte) 0)
        .putShort((short) 0x1234)
        .putShort((short) (2 + payload.length))
        .putShort((short) pppProtocol)
        .put(payload);
    return ethernet(0x8864, b.array());
  }

  /** BSD loopback: the address family in the writer's byte order. */
  static byte[] loopback(int family, ByteOrder order, byte[] payload) {
    return ByteBuffer.allocate(4 + payload.length)
        .order(order)
        .putInt(family)
        .order(ByteOrder.BIG_ENDIAN)
        .put(payload)
        .array();
  }

  /** Linux cooked v2: protocol, reserved, ifindex, ARPHRD, packet type, address length, address. */
  static byte[] sll2(int etherType, byte[] payload) {
    return ByteBuffer.allocate(20 + payload.length)
        .putShort((short) etherType)
        .putShort((short) 0)
        .putInt(2)
        .putShort((short) 1)
        .put((byte) 0)
        .put((byte) 6)
        .put(new byte[8])
        .put(payload)
        .array();
  }

  /** A classic pcap file: {@code frames[i]} captured whole, or cut to {@code snap} bytes. */
  static byte[] pcap(ByteOrder order, boolean nanos, int linkType, int snap, byte[]... frames) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer h = ByteBuffer.allocate(24).order(order);
    h.putInt(nanos ? 0xa1b23c4d : 0xa1b2c3d4)
        .putShort((short) 2)
        .putShort((short) 4)
        .putInt(0)
        .putInt(0)
        .putInt(snap)
        .putInt(linkType);
    out.writeBytes(h.array());
    int second = 1_700_000_000;
    for (byte[] f : frames) {
      int captured = Math.min(f.length, snap);
      ByteBuffer r = ByteBuffer.allocate(16).order(order);
      r.putInt(second++).putInt(0).putInt(captured).putInt(f.length);
      out.writeBytes(r.array());
      out.write(f, 0, captured);
    }
    return out.toByteArray();
  }

  static byte[] pcap(int linkType, byte[]... frames) {
    return pcap(ByteOrder.LITTLE_ENDIAN, false, linkType, 262_144, frames);
  }

  /** Writes pcapng blocks. */
  static final class Pcapng {
    private final ByteArrayOutputStream out = new ByteArrayOutputStream();
    private final ByteOrder order;

    Pcapng(ByteOrder order) {
      this.order = order;
      section();
    }

    Pcapng section() {
      ByteBuffer b = ByteBuffer.allocate(28).order(order);
      b.putInt(0x0a0d0d0a).putInt(28).putInt(0x1a2b3c4d).putShort((short) 1).putShort((short) 0);
      b.putLong(-1).putInt(28);
      out.writeBytes(b.array());
      return this;
    }

    /** An interface; {@code tsresol} < 0 leaves the default (microseconds). */
    Pcapng iface(int linkType, int tsresol) {
      int options = tsresol >= 0 ? 8 + 4 : 0;
      int total = 20 + options;
      ByteBuffer b = ByteBuffer.allocate(total).order(order);
      b.putInt(1).putInt(total).putShort((short) linkType).putShort((short) 0).putInt(262_144);
      if (tsresol >= 0) {
        b.putShort((short) 9).putShort((short) 1).put((byte) tsresol).put(new byte[3]);
        b.putShort((short) 0).putShort((short) 0);
      }
      b.putInt(total);
      out.writeBytes(b.array());
      return this;
    }

    Pcapng epb(int iface, long time, byte[] frame) {
      int padded = (frame.length + 3) & ~3;
      int total = 32 + padded;
      ByteBuffer b = ByteBuffer.allocate(total).order(order);
      b.putInt(6).putInt(total).putInt(iface).putInt((int) (time >>> 32)).putInt((int) time);
      b.putInt(frame.length).putInt(frame.length).put(frame).position(28 + padded);
      b.putInt(total);
      out.writeBytes(b.array());
      return this;
    }

    Pcapng spb(byte[] frame) {
      int padded = (frame.length + 3) & ~3;
      int total = 16 + padded;
      ByteBuffer b = ByteBuffer.allocate(total).order(order);
      b.putInt(3).putInt(total).putInt(frame.length).put(frame).position(12 + padded);
      b.putInt(total);
      out.writeBytes(b.array());
      return this;
    }

    /** A block the reader does not know (a name resolution block), which it must pass over. */
    Pcapng other() {
      ByteBuffer b = ByteBuffer.allocate(16).order(order);
      b.putInt(4).putInt(16).putInt(0).putInt(16);
      out.writeBytes(b.array());
      return this;
    }

    byte[] bytes() {
      return out.toByteArray();
    }
  }
}
