package io.pe4j.core;

import io.pe4j.api.IpAddress;
import io.pe4j.api.PeData;
import io.pe4j.api.Protocol;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;

/**
 * The IPVS sync protocol's wire format (spec §7): version 1 (IPv4 and IPv6, with the PE_DATA and
 * PE_NAME options that carry a Call-ID to a backup director) and version 0 (IPv4 only, no options,
 * so templates arrive without pe data). One entry per message.
 */
final class Sync {

  static final int F_MASQ = 0x0000;
  static final int F_LOCALNODE = 0x0001;
  static final int F_TUNNEL = 0x0002;
  static final int F_DROUTE = 0x0003;
  static final int F_INACTIVE = 0x0100;
  static final int F_SYNC = 0x0020;
  static final int F_TEMPLATE = 0x1000;
  static final int F_ONE_PACKET = 0x2000;
  static final int OPT_PE_DATA = 2;
  static final int OPT_PE_NAME = 3;
  static final int OPT_IGNORABLE = 0x40;

  private Sync() {}

  /** One decoded entry. */
  static final class Entry {
    boolean ipv6;
    int protocol;
    int flags;
    int state;
    int cport;
    int vport;
    int dport;
    int fwmark;
    long timeoutSeconds;
    IpAddress caddr = IpAddress.ofIpv4(0);
    IpAddress vaddr = IpAddress.ofIpv4(0);
    IpAddress daddr = IpAddress.ofIpv4(0);
    byte[] peData = new byte[0];
    String peName = "";
  }

  static int methodFlag(ForwardingMethod m) {
    switch (m) {
      case MASQ:
        return F_MASQ;
      case LOCAL:
        return F_LOCALNODE;
      case TUNNEL:
        return F_TUNNEL;
      default:
        return F_DROUTE;
    }
  }

  static byte[] encodeV1(int syncId, Entry e) {
    int addr = e.ipv6 ? 16 : 4;
    int options = 0;
    byte[] name = e.peName.getBytes(StandardCharsets.US_ASCII);
    if (e.peData.length > 0) {
      options = 2 + e.peData.length + 2 + name.length;
    }
    int size = 24 + 3 * addr + options;
    int padded = (size + 3) & ~3;
    ByteBuffer b = ByteBuffer.allocate(8 + padded);
    b.put((byte) 0)
        .put((byte) syncId)
        .putShort((short) (8 + padded))
        .put((byte) 1)
        .put((byte) 1)
        .putShort((short) 0);
    b.put((byte) (e.ipv6 ? 1 : 0)).put((byte) e.protocol).putShort((short) (size & 0x0fff));
    b.putInt(e.flags)
        .putShort((short) e.state)
        .putShort((short) e.cport)
        .putShort((short) e.vport)
        .putShort((short) e.dport);
    b.putInt(e.fwmark).putInt((int) e.timeoutSeconds);
    b.put(e.caddr.toBytes()).put(e.vaddr.toBytes()).put(e.daddr.toBytes());
    if (e.peData.length > 0) {
      b.put((byte) OPT_PE_DATA).put((byte) e.peData.length).put(e.peData);
      b.put((byte) OPT_PE_NAME).put((byte) name.length).put(name);
    }
    return b.array();
  }

  static byte[] encodeV0(int syncId, Entry e) {
    ByteBuffer b = ByteBuffer.allocate(4 + 24);
    b.put((byte) 1).put((byte) syncId).putShort((short) 28);
    b.put((byte) 0)
        .put((byte) e.protocol)
        .putShort((short) e.cport)
        .putShort((short) e.vport)
        .putShort((short) e.dport);
    b.put(e.caddr.toBytes()).put(e.vaddr.toBytes()).put(e.daddr.toBytes());
    b.putShort((short) e.flags).putShort((short) e.state);
    return b.array();
  }

  /**
   * Decodes a message of either version.
   *
   * @throws IllegalArgumentException saying what is malformed
   */
  static java.util.List<Entry> decode(byte[] message) {
    if (message.length < 4) {
      throw new IllegalArgumentException(
          "sync message shorter than its header: " + message.length + " bytes");
    }
    ByteBuffer b = ByteBuffer.wrap(message);
    java.util.List<Entry> out = new java.util.ArrayList<>();
    if (message[0] == 0 && message.length >= 8 && message[5] == 1) {
      int size = b.getShort(2) & 0xffff;
      int count = message[4] & 0xff;
      if (size != message.length) {
        throw new IllegalArgumentException(
            "sync v1 size field " + size + " but " + message.length + " bytes");
      }
      int p = 8;
      for (int i = 0; i < count; i++) {
        if (p + 4 > message.length) {
          throw new IllegalArgumentException("sync v1 entry " + i + " truncated");
        }
        Entry e = new Entry();
        e.ipv6 = (message[p] & 1) != 0;
        e.protocol = message[p + 1] & 0xff;
        int entrySize = b.getShort(p + 2) & 0x0fff;
        int addr = e.ipv6 ? 16 : 4;
        if (entrySize < 24 + 3 * addr || p + entrySize > message.length) {
          throw new IllegalArgumentException("sync v1 entry " + i + " has a bad size " + entrySize);
        }
        e.flags = b.getInt(p + 4);
        e.state = b.getShort(p + 8) & 0xffff;
        e.cport = b.getShort(p + 10) & 0xffff;
        e.vport = b.getShort(p + 12) & 0xffff;
        e.dport = b.getShort(p + 14) & 0xffff;
        e.fwmark = b.getInt(p + 16);
        e.timeoutSeconds = b.getInt(p + 20) & 0xffff_ffffL;
        e.caddr = address(message, p + 24, addr);
        e.vaddr = address(message, p + 24 + addr, addr);
        e.daddr = address(message, p + 24 + 2 * addr, addr);
        boolean skip = false;
        for (int o = p + 24 + 3 * addr; o < p + entrySize; ) {
          if (o + 2 > p + entrySize) {
            throw new IllegalArgumentException("sync v1 entry " + i + " has a truncated option");
          }
          int type = message[o] & 0xff;
          int len = message[o + 1] & 0xff;
          if (o + 2 + len > p + entrySize) {
            throw new IllegalArgumentException(
                "sync v1 entry " + i + " option " + type + " overruns the entry");
          }
          byte[] data = java.util.Arrays.copyOfRange(message, o + 2, o + 2 + len);
          if ((type & ~OPT_IGNORABLE) == OPT_PE_DATA) {
            e.peData = data;
          } else if ((type & ~OPT_IGNORABLE) == OPT_PE_NAME) {
            e.peName = new String(data, StandardCharsets.US_ASCII);
          } else if ((type & OPT_IGNORABLE) == 0 && type != 1) {
            skip = true; // an unknown option the receiver may not ignore: skip the entry
          }
          o += 2 + len;
        }
        if (!skip) {
          out.add(e);
        }
        p += (entrySize + 3) & ~3;
      }
      return out;
    }
    int count = message[0] & 0xff;
    if ((b.getShort(2) & 0xffff) != message.length || message.length != 4 + 24 * count) {
      throw new IllegalArgumentException(
          "sync v0 message of " + message.length + " bytes does not hold " + count + " entries");
    }
    for (int i = 0; i < count; i++) {
      int p = 4 + 24 * i;
      Entry e = new Entry();
      e.protocol = message[p + 1] & 0xff;
      e.cport = b.getShort(p + 2) & 0xffff;
      e.vport = b.getShort(p + 4) & 0xffff;
      e.dport = b.getShort(p + 6) & 0xffff;
      e.caddr = address(message, p + 8, 4);
      e.vaddr = address(message, p + 12, 4);
      e.daddr = address(message, p + 16, 4);
      e.flags = b.getShort(p + 20) & 0xffff;
      e.state = b.getShort(p + 22) & 0xffff;
      out.add(e);
    }
    return out;
  }

  private static IpAddress address(byte[] m, int offset, int length) {
    return IpAddress.of(java.util.Arrays.copyOfRange(m, offset, offset + length));
  }

  static Protocol protocol(int number) {
    for (Protocol p : Protocol.values()) {
      if (p.number() == number) {
        return p;
      }
    }
    throw new IllegalArgumentException("unknown protocol " + number);
  }

  static PeData peData(byte[] bytes) {
    return PeData.of(bytes);
  }
}
