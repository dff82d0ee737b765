package io.pe4j.cli.capture;

import static io.pe4j.cli.capture.Frames.ethernet;
import static io.pe4j.cli.capture.Frames.ipv4Udp;
import static io.pe4j.cli.capture.Frames.pcap;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.IpAddress;
import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import org.junit.jupiter.api.Test;

class CaptureReaderTest {

  /** What a capture gives: one line per datagram listed, and the frames not listed by reason. */
  record Read(List<String> lines, Map<String, Long> notListed, long frames) {}

  static Read read(byte[] capture) throws IOException, CaptureException {
    List<String> lines = new ArrayList<>();
    FrameDecoder decoder = new FrameDecoder();
    long frames = 0;
    try (CaptureReader r = new CaptureReader(new ByteArrayInputStream(capture))) {
      while (r.next()) {
        frames++;
        decoder.decode(
            r,
            (number, src, sport, dst, dport, payload, offset, length) ->
                lines.add(
                    number
                        + " "
                        + IpAddress.of(src)
                        + ":"
                        + sport
                        + ">"
                        + IpAddress.of(dst)
                        + ":"
                        + dport
                        + " "
                        + callId(payload, offset, length)));
      }
    }
    decoder.finish();
    long notListed = decoder.notListed().values().stream().mapToLong(Long::longValue).sum();
    assertEquals(
        frames, lines.size() + notListed, "every frame listed or counted: " + decoder.notListed());
    assertEquals(lines.size(), decoder.listed());
    return new Read(lines, decoder.notListed(), frames);
  }

  /** The Call-ID line's value, or the payload length: enough to tell datagrams apart. */
  static String callId(byte[] payload, int offset, int length) {
    String s = new String(payload, offset, length, StandardCharsets.ISO_8859_1);
    int i = s.indexOf("Call-ID: ");
    return i < 0 ? length + " bytes" : s.substring(i + 9, s.indexOf('\r', i));
  }

  static final String V4 = "192.0.2.10:5060>198.51.100.1:5060 ";
  static final String V6 = "2001:db8::10:5060>2001:db8::1:5060 ";

  @Test
  void classicPcap_bothByteOrders_microAndNanoseconds() throws Exception {
    byte[] frame = ethernet(0x0800, ipv4Udp("c1@h"));
    for (ByteOrder order : List.of(ByteOrder.BIG_ENDIAN, ByteOrder.LITTLE_ENDIAN)) {
      for (boolean nanos : List.of(false, true)) {
        byte[] file = pcap(order, nanos, 1, 65_535, frame, frame);
        assertEquals(List.of("1 " + V4 + "c1@h", "2 " + V4 + "c1@h"), read(file).lines());
        try (CaptureReader r = new CaptureReader(new ByteArrayInputStream(file))) {
          r.next();
          assertEquals(1_700_000_000L * 1_000_000_000L, r.timeNanos());
        }
      }
    }
  }

  @Test
  void pcapng_sectionsInterfacesOfDifferentLinkTypes_andEveryPacketBlock() throws Exception {
    byte[] v4 = ipv4Udp("ng@h");
    byte[] file =
        concat(
            new Frames.Pcapng(ByteOrder.LITTLE_ENDIAN)
                .iface(1, -1)
                .iface(228, 9)
                .epb(0, 1_000_000, ethernet(0x0800, v4))
                .other()
                .epb(1, 2_000_000_000L, v4)
                .spb(ethernet(0x0800, v4))
                .bytes(),
            new Frames.Pcapng(ByteOrder.BIG_ENDIAN)
                .iface(276, -1)
                .epb(0, 3, Frames.sll2(0x0800, v4))
                .bytes());
    Read r = read(file);
    assertEquals(
        List.of("1 " + V4 + "ng@h", "2 " + V4 + "ng@h", "3 " + V4 + "ng@h", "4 " + V4 + "ng@h"),
        r.lines());
    try (CaptureReader reader = new CaptureReader(new ByteArrayInputStream(file))) {
      assertTrue(reader.isPcapng());
      reader.next();
      assertEquals(1_000_000_000L, reader.timeNanos()); // microseconds by default
      reader.next();
      assertEquals(2_000_000_000L, reader.timeNanos()); // if_tsresol 9: nanoseconds
      assertEquals(228, reader.linkType());
    }
  }

  @Test
  void everyLinkType_reachesTheSameDatagram() throws Exception {
    byte[] v4 = ipv4Udp("l@h");
    byte[] v6 = Frames.ipv6(17, Frames.udp(5060, 5060, Frames.sip("l6@h")), -1, false, 0);
    List<byte[]> files =
        List.of(
            pcap(1, Frames.ethernetTagged(new int[] {0x8100}, 0x0800, v4)),
            pcap(1, Frames.ethernetTagged(new int[] {0x88a8, 0x8100}, 0x0800, v4)),
            pcap(1, Frames.pppoe(0x0021, v4)),
            pcap(0, Frames.loopback(2, ByteOrder.LITTLE_ENDIAN, v4)),
            pcap(0, Frames.loopback(2, ByteOrder.BIG_ENDIAN, v4)),
            pcap(12, v4),
            pcap(14, v4),
            pcap(101, v4),
            pcap(228, v4),
            pcap(113, concat(new byte[14], new byte[] {8, 0}, v4)),
            pcap(276, Frames.sll2(0x0800, v4)),
            pcap(9, concat(new byte[] {(byte) 0xff, 3, 0, 0x21}, v4)));
    for (byte[] file : files) {
      assertEquals(List.of("1 " + V4 + "l@h"), read(file).lines());
    }
    List<byte[]> files6 =
        List.of(
            pcap(1, ethernet(0x86dd, v6)),
            pcap(1, Frames.pppoe(0x0057, v6)),
            pcap(0, Frames.loopback(30, ByteOrder.LITTLE_ENDIAN, v6)),
            pcap(0, Frames.loopback(24, ByteOrder.BIG_ENDIAN, v6)),
            pcap(0, Frames.loopback(28, ByteOrder.LITTLE_ENDIAN, v6)),
            pcap(229, v6),
            pcap(101, v6));
    for (byte[] file : files6) {
      assertEquals(List.of("1 " + V6 + "l6@h"), read(file).lines());
    }
  }

  @Test
  void framesWithoutAUdpDatagram_areCountedByReason() throws Exception {
    byte[] tcp = Frames.ipv4("192.0.2.10", "198.51.100.1", 6, 1, 0, new byte[20]);
    Read r =
        read(
            pcap(
                1,
                ethernet(0x0806, new byte[28]),
                ethernet(0x8863, new byte[20]),
                ethernet(0x0040, new byte[64]),
                ethernet(0x0800, tcp),
                Frames.pppoe(0xc021, new byte[8]),
                new byte[5]));
    assertEquals(List.of(), r.lines());
    assertEquals(
        Map.of(
            "not IP: ARP", 1L,
            "not IP: PPPoE discovery", 1L,
            "not IP: 802.3 frame with LLC", 1L,
            "not UDP: TCP", 1L,
            "not IP: PPP protocol 0xc021", 1L,
            "malformed: frame shorter than its Ethernet header", 1L),
        r.notListed());
    assertEquals(
        Map.of("link type 147 not read", 2L),
        read(pcap(147, new byte[30], new byte[3])).notListed());
  }

  @Test
  void ipv4HeaderWithABogusLength_isCountedNotListed() throws Exception {
    byte[] v4 = ipv4Udp("bogus@h");
    byte[] longer = v4.clone();
    longer[2] = (byte) 0x7f; // total length far beyond the frame
    byte[] shorter = v4.clone();
    shorter[2] = 0;
    shorter[3] = 12; // total length below the header length
    byte[] udpTooLong = v4.clone();
    udpTooLong[24] = (byte) 0x7f;
    Read r = read(pcap(101, longer, shorter, udpTooLong, v4));
    assertEquals(List.of("4 " + V4 + "bogus@h"), r.lines());
    assertEquals(
        Map.of(
            "malformed: IPv4 total length beyond the frame", 1L,
            "malformed: IPv4 header length 20, total length 12", 1L,
            "malformed: UDP length beyond the IP payload", 1L),
        r.notListed());
  }

  @Test
  void snappedFrame_isCountedNotListed() throws Exception {
    byte[] frame = ethernet(0x0800, ipv4Udp("snap@h"));
    Read r = read(pcap(ByteOrder.LITTLE_ENDIAN, false, 1, 60, frame));
    assertEquals(Map.of("snapped by the capture", 1L), r.notListed());
  }

  @Test
  void ipv4Fragments_areReassembled_inAnyOrder_andListedAtTheLastFragment() throws Exception {
    byte[] udp = Frames.udp(5060, 5060, Frames.sip("frag@h" + "x".repeat(3000)));
    List<byte[]> fragments = Frames.ipv4Fragments(7, udp, 1480);
    assertEquals(3, fragments.size());
    Read inOrder = read(pcap(101, fragments.toArray(new byte[0][])));
    assertEquals(List.of("3 " + V4 + "frag@h" + "x".repeat(3000)), inOrder.lines());
    assertEquals(Map.of("IP fragment, listed with its last fragment", 2L), inOrder.notListed());
    List<byte[]> shuffled = new ArrayList<>(fragments);
    Collections.reverse(shuffled);
    assertEquals(inOrder.lines(), read(pcap(101, shuffled.toArray(new byte[0][]))).lines());
  }

  @Test
  void captureSource_reusesItsPackets_aReassembled64KbDatagramBetweenSmallOnes() throws Exception {
    // the source hands out reused packets: one of 64 KB (reassembled) must come whole, and the
    // small ones after it must not carry its bytes
    byte[] big = Frames.sip("big@h" + "b".repeat(64_000));
    List<byte[]> frames = new ArrayList<>();
    frames.add(ipv4Udp("one@h"));
    // fragments of 8 KiB: pcap() puts a second between frames, and reassembly waits 30 s at most
    frames.addAll(Frames.ipv4Fragments(21, Frames.udp(5060, 5060, big), 8192));
    frames.add(ipv4Udp("two@h"));
    frames.add(ipv4Udp("three@h"));
    java.nio.file.Path file = java.nio.file.Files.createTempFile("source", ".pcap");
    try {
      java.nio.file.Files.write(file, pcap(101, frames.toArray(new byte[0][])));
      List<String> got = new ArrayList<>();
      try (CaptureSource source = CaptureSource.open(List.of(file))) {
        for (CaptureSource.Packet p; (p = source.next()) != null; ) {
          got.add(
              p.frame()
                  + " "
                  + new String(
                      p.payload().array(), 0, p.payloadLength(), StandardCharsets.ISO_8859_1));
          assertEquals(0, p.payload().position());
          assertEquals(p.payloadLength(), p.payload().limit());
        }
      }
      int last = frames.size();
      assertEquals(
          List.of(
              "1 " + new String(Frames.sip("one@h"), StandardCharsets.ISO_8859_1),
              (last - 2) + " " + new String(big, StandardCharsets.ISO_8859_1),
              (last - 1) + " " + new String(Frames.sip("two@h"), StandardCharsets.ISO_8859_1),
              last + " " + new String(Frames.sip("three@h"), StandardCharsets.ISO_8859_1)),
          got);
    } finally {
      java.nio.file.Files.delete(file);
    }
  }

  @Test
  void ipv6Fragments_areReassembled() throws Exception {
    byte[] udp = Frames.udp(5060, 5060, Frames.sip("f6@h" + "y".repeat(2000)));
    byte[] first = Frames.ipv6(17, Arrays.copyOfRange(udp, 0, 1232), 0, true, 99);
    byte[] second = Frames.ipv6(17, Arrays.copyOfRange(udp, 1232, udp.length), 1232, false, 99);
    Read r = read(pcap(229, second, first));
    assertEquals(List.of("2 " + V6 + "f6@h" + "y".repeat(2000)), r.lines());
  }

  @Test
  void overlappingFragments_discardTheDatagram_duplicatesAreIgnored() throws Exception {
    byte[] udp = Frames.udp(5060, 5060, Frames.sip("o@h" + "z".repeat(2000)));
    List<byte[]> f = Frames.ipv4Fragments(9, udp, 1024);
    byte[] overlap =
        Frames.ipv4("192.0.2.10", "198.51.100.1", 17, 9, 0x2000 | 64, new byte[1024]); // 512..1536
    Read r = read(pcap(101, f.get(0), overlap, f.get(1), f.get(2)));
    assertEquals(List.of(), r.lines());
    assertEquals(2L, r.notListed().get("IP fragments not reassembled: overlapping"));
    Read dup = read(pcap(101, f.get(0), f.get(0), f.get(1), f.get(2)));
    assertEquals(1, dup.lines().size());
    assertEquals(1L, dup.notListed().get("IP fragment duplicated"));
  }

  @Test
  void fragmentsOlderThan30Seconds_timeOut_andUnfinishedOnesAreCountedAtTheEnd() throws Exception {
    byte[] udp = Frames.udp(5060, 5060, Frames.sip("t@h" + "w".repeat(2000)));
    List<byte[]> f = Frames.ipv4Fragments(11, udp, 1024);
    byte[] filler = ipv4Udp("filler@h");
    // pcap() gives frame i the time 1,700,000,000 + i seconds: 31 fillers pass 30 s
    List<byte[]> frames = new ArrayList<>();
    frames.add(f.get(0));
    for (int i = 0; i < 31; i++) {
      frames.add(filler);
    }
    frames.add(f.get(1));
    Read r = read(pcap(101, frames.toArray(new byte[0][])));
    assertEquals(31, r.lines().size());
    assertEquals(1L, r.notListed().get("IP fragments not reassembled: timed out (30 s)"));
    assertEquals(1L, r.notListed().get("IP fragments not reassembled: capture ended first"));
  }

  @Test
  void reassemblyMemory_isBounded_oldestDatagramsGiveWay() throws Exception {
    Frames.Pcapng file = new Frames.Pcapng(ByteOrder.LITTLE_ENDIAN).iface(101, -1);
    for (int id = 0; id < 400; id++) { // 400 first fragments of 16,000 bytes in the same second
      file.epb(0, 0, Frames.ipv4("192.0.2.10", "198.51.100.1", 17, id, 0x2000, new byte[16_000]));
    }
    Read r = read(file.bytes());
    long full =
        r.notListed().getOrDefault("IP fragments not reassembled: reassembly memory full", 0L);
    assertEquals(400 - (4 << 20) / 16_000, full);
    assertEquals(
        (4 << 20) / 16_000L,
        r.notListed().getOrDefault("IP fragments not reassembled: capture ended first", 0L));
  }

  @Test
  void truncatedCapture_givesItsCompleteFramesFirst_thenSaysWhere() throws Exception {
    byte[] frame = ethernet(0x0800, ipv4Udp("cut@h"));
    byte[] classic = pcap(1, frame, frame, frame);
    byte[] ng =
        new Frames.Pcapng(ByteOrder.LITTLE_ENDIAN)
            .iface(1, -1)
            .epb(0, 0, frame)
            .epb(0, 0, frame)
            .epb(0, 0, frame)
            .bytes();
    for (byte[] file : List.of(classic, ng)) {
      byte[] cut = Arrays.copyOf(file, file.length - 7);
      List<Long> seen = new ArrayList<>();
      CaptureException e;
      try (CaptureReader r = new CaptureReader(new ByteArrayInputStream(cut))) {
        e =
            assertThrows(
                CaptureException.class,
                () -> {
                  while (r.next()) {
                    seen.add(r.number());
                  }
                });
      }
      assertEquals(List.of(1L, 2L), seen);
      assertTrue(e.isTruncation());
      assertTrue(
          String.valueOf(e.getMessage()).startsWith("truncated in frame 3 (byte offset "),
          e.getMessage());
    }
  }

  @Test
  void notACapture_isRefusedWithWhatItIs() {
    assertEquals(
        "not a capture: the file is empty",
        assertThrows(
                CaptureException.class,
                () -> new CaptureReader(new ByteArrayInputStream(new byte[0])))
            .getMessage());
    assertTrue(
        String.valueOf(
                assertThrows(
                        CaptureException.class,
                        () ->
                            new CaptureReader(
                                new ByteArrayInputStream(
                                    "GMBU\2\0".getBytes(StandardCharsets.ISO_8859_1))))
                    .getMessage())
            .startsWith("a Microsoft Network Monitor capture"));
    assertEquals(
        "not a pcap or pcapng file: magic number 0x68656c6c",
        assertThrows(
                CaptureException.class,
                () ->
                    new CaptureReader(
                        new ByteArrayInputStream(
                            "hello, world".getBytes(StandardCharsets.ISO_8859_1))))
            .getMessage());
  }

  static byte[] concat(byte[]... parts) {
    int n = 0;
    for (byte[] p : parts) {
      n += p.length;
    }
    byte[] out = new byte[n];
    int at = 0;
    for (byte[] p : parts) {
      System.arraycopy(p, 0, out, at, p.length);
      at += p.length;
    }
    return out;
  }
}
