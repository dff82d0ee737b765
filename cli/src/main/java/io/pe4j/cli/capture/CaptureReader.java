package io.pe4j.cli.capture;

import java.io.Closeable;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.util.ArrayList;
import java.util.List;

/**
 * Reads the frames of a capture one at a time, in the order they were captured, with memory bounded
 * by one frame whatever the file's size: classic libpcap (both byte orders, micro- and nanosecond
 * timestamps) and pcapng (section header, interface description, enhanced, simple and obsolete
 * packet blocks; several sections and interfaces, each with its own link type and timestamp
 * resolution). Frames are numbered from 1 as Wireshark numbers them.
 *
 * <p>Written here rather than taken from a library: the maintained Java readers we know of either
 * bind to the native libpcap through JNA (pcap4j, last released in 2019) or read classic pcap only;
 * neither streams pcapng with per-interface link types from a pipe.
 *
 * <p>A frame whose captured bytes exceed {@link #MAX_FRAME} is skipped without being held, and
 * reported by {@link #oversize()}. A stream that ends inside a block or record raises {@link
 * CaptureException} naming the frame and the byte offset, after every complete frame before it has
 * been returned.
 */
public final class CaptureReader implements Closeable {

  /** The largest frame held: libpcap's largest default snapshot length. */
  public static final int MAX_FRAME = 262_144;

  private static final int PCAPNG_SHB = 0x0a0d0d0a;
  private static final int PCAPNG_IDB = 1;
  private static final int PCAPNG_PB = 2;
  private static final int PCAPNG_SPB = 3;
  private static final int PCAPNG_EPB = 6;
  private static final int MAX_RECORD = 1 << 28;

  private final InputStream in;
  private final byte[] header = new byte[32];
  private final ByteBuffer headerView = ByteBuffer.wrap(header);
  private final byte[] data = new byte[MAX_FRAME];
  private final byte[] scratch = new byte[8192]; // what skip() reads past
  private final boolean pcapng;
  private long offset;
  private ByteOrder order = ByteOrder.BIG_ENDIAN;

  // classic pcap
  private int classicLinkType;
  private boolean classicNanos;

  // pcapng: the interfaces of the current section
  private final List<PcapngInterface> interfaces = new ArrayList<>();

  // the current frame
  private long number;
  private int linkType;
  private long timeNanos;
  private int length;
  private long originalLength;
  private boolean oversize;

  /**
   * Reads the file header from {@code in}.
   *
   * @throws CaptureException if the stream is not a capture this reader knows
   */
  public CaptureReader(InputStream in) throws IOException, CaptureException {
    this.in = in;
    int n = in.readNBytes(header, 0, 4);
    offset = n;
    if (n == 0) {
      throw new CaptureException("not a capture: the file is empty");
    }
    if (n < 4) {
      throw new CaptureException("not a capture: " + n + " bytes, a capture header needs 24");
    }
    int magic = headerView.order(ByteOrder.BIG_ENDIAN).getInt(0);
    if (magic == PCAPNG_SHB) {
      pcapng = true;
      sectionHeader(4);
      return;
    }
    pcapng = false;
    switch (magic) {
      case 0xa1b2c3d4 -> classicNanos = false;
      case 0xa1b23c4d -> classicNanos = true;
      case 0xd4c3b2a1 -> {
        order = ByteOrder.LITTLE_ENDIAN;
        classicNanos = false;
      }
      case 0x4d3cb2a1 -> {
        order = ByteOrder.LITTLE_ENDIAN;
        classicNanos = true;
      }
      case 0x474d4255 -> // "GMBU"
          throw new CaptureException(
              "a Microsoft Network Monitor capture: not read here; convert it with:"
                  + " editcap -F pcapng IN OUT");
      default ->
          throw new CaptureException(
              String.format("not a pcap or pcapng file: magic number 0x%08x", magic));
    }
    readFully(header, 4, 20, "the pcap file header");
    // The link type's upper bits may carry FCS information (LT_FCS_* in libpcap).
    classicLinkType = view(24).getInt(20) & 0x03ff_ffff;
  }

  /** Returns whether the capture is pcapng (else classic pcap). */
  public boolean isPcapng() {
    return pcapng;
  }

  /**
   * Advances to the next frame.
   *
   * @return false at the end of the capture
   * @throws CaptureException if the capture is cut short or malformed at this point
   */
  public boolean next() throws IOException, CaptureException {
    return pcapng ? nextBlock() : nextRecord();
  }

  /** Returns the frame's number, from 1. */
  public long number() {
    return number;
  }

  /** Returns the frame's link type (LINKTYPE_*). */
  public int linkType() {
    return linkType;
  }

  /** Returns the frame's timestamp, in nanoseconds since the epoch. */
  public long timeNanos() {
    return timeNanos;
  }

  /** Returns the frame's captured bytes; valid until the next call to {@link #next()}. */
  public byte[] data() {
    return data;
  }

  /** Returns how many bytes of {@link #data()} were captured (0 for an oversize frame). */
  public int length() {
    return length;
  }

  /** Returns the frame's length on the wire, which exceeds {@link #length()} if it was snapped. */
  public long originalLength() {
    return originalLength;
  }

  /** Returns whether the frame was larger than {@link #MAX_FRAME} and skipped unread. */
  public boolean oversize() {
    return oversize;
  }

  private boolean nextRecord() throws IOException, CaptureException {
    int n = in.readNBytes(header, 0, 16);
    offset += n;
    if (n == 0) {
      return false;
    }
    number++;
    if (n < 16) {
      throw truncated("its record header needs 16 bytes, " + n + " are there");
    }
    ByteBuffer h = view(16);
    long seconds = h.getInt(0) & 0xffff_ffffL;
    long fraction = h.getInt(4) & 0xffff_ffffL;
    long captured = h.getInt(8) & 0xffff_ffffL;
    originalLength = h.getInt(12) & 0xffff_ffffL;
    if (captured > MAX_RECORD) {
      throw new CaptureException(
          "corrupt record header at frame "
              + number
              + " (byte offset "
              + (offset - 16)
              + "): "
              + captured
              + " bytes captured");
    }
    timeNanos = seconds * 1_000_000_000L + (classicNanos ? fraction : fraction * 1000);
    linkType = classicLinkType;
    frameData((int) captured);
    return true;
  }

  private boolean nextBlock() throws IOException, CaptureException {
    while (true) {
      long blockStart = offset;
      int n = in.readNBytes(header, 0, 8);
      offset += n;
      if (n == 0) {
        return false;
      }
      if (n < 8) {
        throw new CaptureException(
            "truncated at byte offset "
                + blockStart
                + ": a pcapng block header needs 8 bytes, "
                + n
                + " are there");
      }
      int type = view(8).getInt(0);
      if (headerView.order(ByteOrder.BIG_ENDIAN).getInt(0) == PCAPNG_SHB) { // palindromic type
        sectionHeader(8);
        continue;
      }
      long total = view(8).getInt(4) & 0xffff_ffffL;
      if (total < 12 || total % 4 != 0 || total > MAX_RECORD) {
        throw new CaptureException(
            "malformed pcapng block at byte offset " + blockStart + ": total length " + total);
      }
      long body = total - 12;
      switch (type) {
        case PCAPNG_IDB -> interfaceDescription(body);
        case PCAPNG_EPB, PCAPNG_SPB, PCAPNG_PB -> {
          number++;
          packet(type, body, blockStart);
          return true;
        }
        default -> skip(body, "a pcapng block");
      }
      blockTrailer(total, blockStart);
    }
  }

  /** Reads a section header block whose first {@code alreadyRead} bytes (4 or 8) are in hand. */
  private void sectionHeader(int alreadyRead) throws IOException, CaptureException {
    long blockStart = offset - alreadyRead;
    // the block length's byte order is known only after the byte-order magic that follows it
    readFully(header, alreadyRead, 12 - alreadyRead, "the pcapng section header");
    int bom = headerView.order(ByteOrder.BIG_ENDIAN).limit(12).getInt(8);
    if (bom == 0x1a2b3c4d) {
      order = ByteOrder.BIG_ENDIAN;
    } else if (bom == 0x4d3c2b1a) {
      order = ByteOrder.LITTLE_ENDIAN;
    } else {
      throw new CaptureException(
          String.format(
              "malformed pcapng section header at byte offset %d: byte-order magic 0x%08x",
              blockStart, bom));
    }
    long total = view(12).getInt(4) & 0xffff_ffffL;
    if (total < 28 || total % 4 != 0 || total > MAX_RECORD) {
      throw new CaptureException(
          "malformed pcapng section header at byte offset " + blockStart + ": length " + total);
    }
    interfaces.clear();
    skip(total - 16, "the pcapng section header");
    blockTrailer(total, blockStart);
  }

  private void interfaceDescription(long body) throws IOException, CaptureException {
    if (body < 8) {
      throw new CaptureException("malformed pcapng interface block: body of " + body + " bytes");
    }
    readFully(header, 0, 8, "a pcapng interface block");
    ByteBuffer h = view(8);
    int type = h.getShort(0) & 0xffff;
    int exponent = 6; // microseconds unless if_tsresol says otherwise
    boolean binary = false;
    long left = body - 8;
    while (left >= 4) { // options: code, length, value padded to 4 bytes
      readFully(header, 0, 4, "a pcapng interface option");
      left -= 4;
      int code = view(4).getShort(0) & 0xffff;
      int optionLength = view(4).getShort(2) & 0xffff;
      long padded = (optionLength + 3L) & ~3L;
      if (code == 0 || padded > left) {
        break;
      }
      if (code == 9 && optionLength == 1) { // if_tsresol
        readFully(header, 0, 4, "if_tsresol");
        int r = header[0] & 0xff;
        binary = (r & 0x80) != 0;
        exponent = binary ? Math.min(r & 0x7f, 62) : Math.min(r, 18);
      } else {
        skip(padded, "a pcapng option");
      }
      left -= padded;
    }
    skip(left, "a pcapng interface block");
    interfaces.add(new PcapngInterface(type, exponent, binary));
  }

  private void packet(int type, long body, long blockStart) throws IOException, CaptureException {
    int fixed = type == PCAPNG_SPB ? 4 : 20;
    if (body < fixed) {
      throw malformedPacket(blockStart, "body of " + body + " bytes");
    }
    readFully(header, 0, fixed, "a pcapng packet block");
    ByteBuffer h = view(fixed);
    long captured;
    int iface;
    long units = 0;
    if (type == PCAPNG_SPB) { // simple packet block: interface 0, no timestamp
      iface = 0;
      originalLength = h.getInt(0) & 0xffff_ffffL;
      captured = Math.min(originalLength, body - 4);
    } else {
      // the obsolete packet block has a 16-bit interface id and a 16-bit drop count
      iface = type == PCAPNG_PB ? h.getShort(0) & 0xffff : h.getInt(0);
      units = (h.getInt(4) & 0xffff_ffffL) << 32 | (h.getInt(8) & 0xffff_ffffL);
      captured = h.getInt(12) & 0xffff_ffffL;
      originalLength = h.getInt(16) & 0xffff_ffffL;
      if (captured > body - fixed) {
        throw malformedPacket(blockStart, captured + " bytes captured in a body of " + body);
      }
    }
    if (iface < 0 || iface >= interfaces.size()) {
      throw malformedPacket(blockStart, "interface " + iface + " was not described");
    }
    PcapngInterface i = interfaces.get(iface);
    linkType = i.linkType();
    timeNanos = i.nanos(units);
    frameData((int) captured);
    skip(body - fixed - captured, "a pcapng packet block");
    readFully(header, 0, 4, "a pcapng block trailer");
    long trailer = view(4).getInt(0) & 0xffff_ffffL;
    if (trailer != body + 12) {
      throw new CaptureException(
          "malformed pcapng block at byte offset "
              + blockStart
              + ": length "
              + (body + 12)
              + " at its start, "
              + trailer
              + " at its end");
    }
  }

  private void frameData(int captured) throws IOException, CaptureException {
    oversize = captured > MAX_FRAME;
    if (oversize) {
      length = 0;
      skip(captured, "frame " + number);
      return;
    }
    length = captured;
    int n = in.readNBytes(data, 0, captured);
    offset += n;
    if (n < captured) {
      throw truncated(captured + " bytes captured, " + n + " are there");
    }
  }

  private void blockTrailer(long total, long blockStart) throws IOException, CaptureException {
    readFully(header, 0, 4, "a pcapng block trailer");
    long trailer = view(4).getInt(0) & 0xffff_ffffL;
    if (trailer != total) {
      throw new CaptureException(
          "malformed pcapng block at byte offset "
              + blockStart
              + ": length "
              + total
              + " at its start, "
              + trailer
              + " at its end");
    }
  }

  private void readFully(byte[] b, int at, int n, String what)
      throws IOException, CaptureException {
    int got = in.readNBytes(b, at, n);
    offset += got;
    if (got < n) {
      throw truncated(what + " needs " + n + " bytes, " + got + " are there");
    }
  }

  /**
   * Reads past {@code n} bytes. Never seeks: a capture read from a pipe ({@code tcpdump -w - |}, a
   * FIFO, {@code /dev/stdin}) has no position to move ("Illegal seek").
   */
  private void skip(long n, String what) throws IOException, CaptureException {
    long left = n;
    while (left > 0) {
      int k = in.read(scratch, 0, (int) Math.min(left, scratch.length));
      if (k < 0) {
        throw truncated(what + " needs " + n + " more bytes, " + (n - left) + " are there");
      }
      left -= k;
      offset += k;
    }
  }

  private CaptureException malformedPacket(long blockStart, String detail) {
    return new CaptureException(
        "malformed pcapng packet block (frame "
            + number
            + ", byte offset "
            + blockStart
            + "): "
            + detail);
  }

  private CaptureException truncated(String detail) {
    return new CaptureException(
        "truncated in frame " + number + " (byte offset " + offset + "): " + detail,
        new EOFException());
  }

  private ByteBuffer view(int n) {
    return headerView.order(order).limit(n).position(0);
  }

  @Override
  public void close() throws IOException {
    in.close();
  }
}
