package io.pe4j.cli;

import java.io.ByteArrayOutputStream;
import java.nio.ByteBuffer;

/** Writes small classic pcap files for tests (RFC-style layouts written by hand). */
final class PcapWriter {
  private PcapWriter() {}

  static byte[] ethernet(byte[]... ipPackets) {
    return file(1, ipPackets, true);
  }

  static byte[] linuxCooked(byte[]... ipPackets) {
    return file(113, ipPackets, false);
  }

  private static byte[] file(int linkType, byte[][] packets, boolean ethernet) {
    ByteArrayOutputStream out = new ByteArrayOutputStream();
    ByteBuffer h = ByteBuffer.allocate(24);
    h.putInt(0xa1b2c3d4)
        .putShort((short) 2)
        .putShort((short) 4)
        .putInt(0)
        .putInt(0)
        .putInt(65535)
        .putInt(linkType);
    out.writeBytes(h.array());
    for (byte[] ip : packets) {
      boolean v6 = (ip[0] & 0xf0) == 0x60;
      ByteBuffer l2 = ByteBuffer.allocate(ethernet ? 14 : 16);
      if (ethernet) {
        l2.put(new byte[12])
            .putShort((short) (v6 ? 0x86dd : 0x0800)); // dst MAC, src MAC, EtherType
      } else {
        l2.putShort((short) 0)
            .putShort((short) 1)
            .putShort((short) 6)
            .put(new byte[8])
            .putShort((short) (v6 ? 0x86dd : 0x0800));
      }
      byte[] frame = ByteBuffer.allocate(l2.capacity() + ip.length).put(l2.array()).put(ip).array();
      ByteBuffer rec = ByteBuffer.allocate(16);
      rec.putInt(1)
          .putInt(0)
          .putInt(frame.length)
          .putInt(frame.length); // ts sec, ts usec, incl_len, orig_len
      out.writeBytes(rec.array());
      out.writeBytes(frame);
    }
    return out.toByteArray();
  }

  static byte[] ipv4Udp(String src, int sport, String dst, int dport, byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(20 + 8 + payload.length);
    b.put((byte) 0x45)
        .put((byte) 0)
        .putShort((short) b.capacity())
        .putShort((short) 1)
        .putShort((short) 0x4000) // DF
        .put((byte) 64)
        .put((byte) 17)
        .putShort((short) 0)
        .putInt(io.pe4j.api.IpAddress.parse(src).ipv4())
        .putInt(io.pe4j.api.IpAddress.parse(dst).ipv4());
    b.putShort((short) sport)
        .putShort((short) dport)
        .putShort((short) (8 + payload.length))
        .putShort((short) 0)
        .put(payload);
    return b.array();
  }

  static byte[] ipv4Tcp() {
    ByteBuffer b = ByteBuffer.allocate(40);
    b.put((byte) 0x45)
        .put((byte) 0)
        .putShort((short) 40)
        .putShort((short) 2)
        .putShort((short) 0)
        .put((byte) 64)
        .put((byte) 6)
        .putShort((short) 0)
        .putInt(0x0a000001)
        .putInt(0x0a000002)
        .putShort((short) 1234)
        .putShort((short) 5060);
    return b.array();
  }

  static byte[] ipv6Udp(byte[] payload) {
    ByteBuffer b = ByteBuffer.allocate(40 + 8 + payload.length);
    b.putInt(0x60000000).putShort((short) (8 + payload.length)).put((byte) 17).put((byte) 64);
    b.put(io.pe4j.api.IpAddress.parse("2001:db8::10").toBytes())
        .put(io.pe4j.api.IpAddress.parse("2001:db8::1").toBytes());
    b.putShort((short) 5060)
        .putShort((short) 5060)
        .putShort((short) (8 + payload.length))
        .putShort((short) 0)
        .put(payload);
    return b.array();
  }
}
