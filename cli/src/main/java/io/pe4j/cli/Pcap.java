package io.pe4j.cli;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * A reader of classic libpcap files (not pcapng): Ethernet (with 802.1Q tags), Linux cooked (SLL
 * and SLL2) and raw IP link types; IPv4 and IPv6 (extension headers skipped); UDP only. Everything
 * else is counted as skipped.
 */
final class Pcap {

  static final int LINKTYPE_ETHERNET = 1;
  static final int LINKTYPE_RAW = 101;
  static final int LINKTYPE_LINUX_SLL = 113;
  static final int LINKTYPE_LINUX_SLL2 = 276;

  /** One UDP datagram found in a frame. */
  record Frame(int number, Datagram datagram) {}

  /** The datagrams of a capture and what was skipped. */
  record Capture(List<Frame> frames, int skipped) {}

  private Pcap() {}

  /**
   * Reads a capture.
   *
   * @throws IllegalArgumentException saying what is wrong and at which frame
   */
  static Capture read(byte[] file) {
    if (file.length < 24) {
      throw new IllegalArgumentException(
          "not a pcap file: " + file.length + " bytes, the global header needs 24");
    }
    ByteBuffer b = ByteBuffer.wrap(file);
    int magic = b.getInt(0);
    if (magic == 0xa1b2c3d4 || magic == 0xa1b23c4d) {
      b.order(ByteOrder.BIG_ENDIAN);
    } else if (magic == 0xd4c3b2a1 || magic == 0x4d3cb2a1) {
      b.order(ByteOrder.LITTLE_ENDIAN);
    } else if (magic == 0x0a0d0d0a) {
      throw new IllegalArgumentException(
          "pcapng is not supported; convert with: editcap -F pcap in.pcapng out.pcap");
    } else {
      throw new IllegalArgumentException(
          String.format("not a pcap file: magic number 0x%08x", magic));
    }
    int linkType = b.getInt(20) & 0x0fff_ffff;
    if (linkType != LINKTYPE_ETHERNET
        && linkType != LINKTYPE_RAW
        && linkType != LINKTYPE_LINUX_SLL
        && linkType != LINKTYPE_LINUX_SLL2) {
      throw new IllegalArgumentException(
          "unsupported link type " + linkType + " (Ethernet, raw IP and Linux cooked are)");
    }
    List<Frame> frames = new ArrayList<>();
    int skipped = 0;
    int p = 24;
    for (int number = 1; p < file.length; number++) {
      if (p + 16 > file.length) {
        throw new IllegalArgumentException(
            "truncated at frame "
                + number
                + ": its record header needs 16 bytes, "
                + (file.length - p)
                + " left");
      }
      int captured = b.getInt(p + 8);
      if (captured < 0 || p + 16 + captured > file.length) {
        throw new IllegalArgumentException(
            "truncated at frame "
                + number
                + ": "
                + captured
                + " bytes captured, "
                + (file.length - p - 16)
                + " left");
      }
      byte[] frame = Arrays.copyOfRange(file, p + 16, p + 16 + captured);
      p += 16 + captured;
      Datagram d = decode(frame, linkType);
      if (d == null) {
        skipped++;
      } else {
        frames.add(new Frame(number, d));
      }
    }
    return new Capture(frames, skipped);
  }

  /** Returns the UDP datagram in a frame, or null if it holds none. */
  static @Nullable Datagram decode(byte[] frame, int linkType) {
    ByteBuffer f = ByteBuffer.wrap(frame);
    int offset;
    int etherType;
    switch (linkType) {
      case LINKTYPE_ETHERNET:
        if (frame.length < 14) {
          return null;
        }
        offset = 14;
        etherType = f.getShort(12) & 0xffff;
        while ((etherType == 0x8100 || etherType == 0x88a8) && frame.length >= offset + 4) {
          etherType = f.getShort(offset + 2) & 0xffff;
          offset += 4;
        }
        break;
      case LINKTYPE_LINUX_SLL:
        if (frame.length < 16) {
          return null;
        }
        offset = 16;
        etherType = f.getShort(14) & 0xffff;
        break;
      case LINKTYPE_LINUX_SLL2:
        if (frame.length < 20) {
          return null;
        }
        offset = 20;
        etherType = f.getShort(0) & 0xffff;
        break;
      default:
        offset = 0;
        etherType = frame.length > 0 && (frame[0] & 0xf0) == 0x60 ? 0x86dd : 0x0800;
    }
    if (etherType == 0x0800) {
      return ipv4(frame, f, offset);
    }
    if (etherType == 0x86dd) {
      return ipv6(frame, f, offset);
    }
    return null;
  }

  private static @Nullable Datagram ipv4(byte[] frame, ByteBuffer f, int o) {
    if (frame.length < o + 20 || (frame[o] & 0xf0) != 0x40) {
      return null;
    }
    int ihl = (frame[o] & 0x0f) * 4;
    int fragment = f.getShort(o + 6) & 0x3fff; // MF flag and fragment offset
    if (frame[o + 9] != 17 || fragment != 0 || frame.length < o + ihl + 8) {
      return null;
    }
    int totalLength = f.getShort(o + 2) & 0xffff;
    IpAddress src = IpAddress.ofIpv4(f.getInt(o + 12));
    IpAddress dst = IpAddress.ofIpv4(f.getInt(o + 16));
    return udp(
        frame, f, o + ihl, Math.min(frame.length, o + Math.max(totalLength, ihl + 8)), src, dst);
  }

  private static @Nullable Datagram ipv6(byte[] frame, ByteBuffer f, int o) {
    if (frame.length < o + 40 || (frame[o] & 0xf0) != 0x60) {
      return null;
    }
    int next = frame[o + 6] & 0xff;
    int payloadLength = f.getShort(o + 4) & 0xffff;
    IpAddress src = IpAddress.of(Arrays.copyOfRange(frame, o + 8, o + 24));
    IpAddress dst = IpAddress.of(Arrays.copyOfRange(frame, o + 24, o + 40));
    int end = Math.min(frame.length, o + 40 + payloadLength);
    int p = o + 40;
    while (next == 0
        || next == 43
        || next == 60
        || next == 44) { // hop-by-hop, routing, destination options, fragment
      if (p + 8 > end) {
        return null;
      }
      if (next == 44 && (f.getShort(p + 2) & 0xfff9) != 0) {
        return null; // a fragment other than a whole datagram
      }
      int length = next == 44 ? 8 : ((frame[p + 1] & 0xff) + 1) * 8;
      next = frame[p] & 0xff;
      p += length;
    }
    return next == 17 ? udp(frame, f, p, end, src, dst) : null;
  }

  private static @Nullable Datagram udp(
      byte[] frame, ByteBuffer f, int o, int end, IpAddress src, IpAddress dst) {
    if (o + 8 > end) {
      return null;
    }
    int sport = f.getShort(o) & 0xffff;
    int dport = f.getShort(o + 2) & 0xffff;
    int udpLength = f.getShort(o + 4) & 0xffff;
    int payloadEnd = Math.min(end, o + Math.max(8, udpLength));
    byte[] payload = Arrays.copyOfRange(frame, o + 8, payloadEnd);
    return new Datagram()
        .set(Protocol.UDP, src, sport, dst, dport)
        .payload(ByteBuffer.wrap(payload), 0, payload.length);
  }
}
