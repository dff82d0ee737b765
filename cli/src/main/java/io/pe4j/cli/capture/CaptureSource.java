package io.pe4j.cli.capture;

import java.io.IOException;
import java.io.InputStream;
import java.nio.ByteBuffer;
import java.nio.file.Path;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * The UDP datagrams of one or more captures, in the order of their timestamps (a merge: each file
 * is read once, streaming, one datagram ahead). Nothing is allocated per datagram. A file whose own
 * timestamps go backwards is taken as it is: its datagrams come in file order.
 */
public final class CaptureSource implements AutoCloseable {

  /**
   * One UDP datagram of a capture, valid until the next call to {@link CaptureSource#next()}: the
   * source reuses it (a replay reads millions of datagrams; none of them is copied or allocated).
   */
  public static final class Packet {
    private final byte[] source4 = new byte[4];
    private final byte[] source16 = new byte[16];
    private final byte[] destination4 = new byte[4];
    private final byte[] destination16 = new byte[16];
    private boolean ipv6;
    private int file;
    private long frame;
    private long timeNanos;
    private int sourcePort;
    private int destinationPort;
    private byte[] payload = new byte[2048];
    private ByteBuffer payloadView = ByteBuffer.wrap(payload);

    /** The index of its file among those given. */
    public int file() {
      return file;
    }

    /** Its frame number in that file, from 1 as Wireshark numbers them. */
    public long frame() {
      return frame;
    }

    /** Its timestamp, nanoseconds since the epoch. */
    public long timeNanos() {
      return timeNanos;
    }

    /** The source address, 4 or 16 bytes. */
    public byte[] source() {
      return ipv6 ? source16 : source4;
    }

    public int sourcePort() {
      return sourcePort;
    }

    /** The destination address, 4 or 16 bytes. */
    public byte[] destination() {
      return ipv6 ? destination16 : destination4;
    }

    public int destinationPort() {
      return destinationPort;
    }

    /** The UDP payload: from position 0 to the limit, {@link #payloadLength()} bytes. */
    public ByteBuffer payload() {
      return payloadView;
    }

    public int payloadLength() {
      return payloadView.limit();
    }

    void set(
        int file,
        long frame,
        long timeNanos,
        byte[] source,
        int sourcePort,
        byte[] destination,
        int destinationPort,
        byte[] data,
        int offset,
        int length) {
      this.file = file;
      this.frame = frame;
      this.timeNanos = timeNanos;
      this.ipv6 = source.length == 16;
      System.arraycopy(source, 0, source(), 0, source.length);
      System.arraycopy(destination, 0, destination(), 0, destination.length);
      this.sourcePort = sourcePort;
      this.destinationPort = destinationPort;
      if (length > payload.length) { // a reassembled datagram: up to 64 KiB
        payload = new byte[Math.max(length, payload.length * 2)];
        payloadView = ByteBuffer.wrap(payload);
      }
      System.arraycopy(data, offset, payload, 0, length);
      payloadView.clear().limit(length);
    }
  }

  /** One capture: its reader and decoder, and the datagram read ahead of the one handed out. */
  private static final class File implements FrameDecoder.Sink {
    final int index;
    final Path path;
    final InputStream in;
    final CaptureReader reader;
    final FrameDecoder decoder = new FrameDecoder();
    // two packets: the one handed out stays valid while the next one is read into the other
    private final Packet[] packets = {new Packet(), new Packet()};
    private int spare; // the packet advance() reads into
    @Nullable Packet head;
    long frames;
    @Nullable String failure;

    File(int index, Path path) throws IOException, CaptureException {
      this.index = index;
      this.path = path;
      this.in = CaptureFile.open(path);
      try {
        this.reader = new CaptureReader(in);
      } catch (CaptureException | IOException | RuntimeException e) {
        in.close();
        throw e;
      }
    }

    /** Reads this file's next datagram into {@link #head}: null at its end or its first error. */
    void advance() {
      head = null;
      while (head == null && failure == null) {
        try {
          if (!reader.next()) {
            decoder.finish();
            break;
          }
          frames++;
          decoder.decode(reader, this); // a frame gives one datagram at most
        } catch (CaptureException e) {
          failure = e.getMessage();
        } catch (IOException e) {
          failure = "cannot read: " + e.getMessage();
        }
      }
      if (head != null) {
        spare ^= 1;
      }
    }

    @Override
    public void datagram(
        long number,
        byte[] source,
        int sourcePort,
        byte[] destination,
        int destinationPort,
        byte[] payload,
        int offset,
        int length) {
      Packet p = packets[spare];
      if (head != null) {
        throw new IllegalStateException("a second datagram from one frame");
      }
      p.set(
          index,
          number,
          reader.timeNanos(),
          source,
          sourcePort,
          destination,
          destinationPort,
          payload,
          offset,
          length);
      head = p;
    }
  }

  private final List<File> files;
  // the files by the time of the datagram each has read ahead (then by their order)
  private final PriorityQueue<File> heads =
      new PriorityQueue<>(
          Comparator.comparingLong((File f) -> timeOfHead(f)).thenComparingInt(f -> f.index));

  private CaptureSource(List<File> files) {
    this.files = files;
    for (File f : files) {
      f.advance();
      if (f.head != null) {
        heads.add(f);
      }
    }
  }

  private static long timeOfHead(File f) {
    Packet p = f.head;
    return p == null ? Long.MAX_VALUE : p.timeNanos;
  }

  /**
   * Opens the captures.
   *
   * @throws IOException naming the file that cannot be opened or is not a capture
   */
  public static CaptureSource open(List<Path> paths) throws IOException {
    List<File> files = new java.util.ArrayList<>();
    try {
      for (int i = 0; i < paths.size(); i++) {
        try {
          files.add(new File(i, paths.get(i)));
        } catch (CaptureException e) {
          throw new IOException(paths.get(i) + ": " + e.getMessage(), e);
        } catch (IOException e) {
          throw new IOException(paths.get(i) + ": cannot read: " + e.getMessage(), e);
        }
      }
    } catch (IOException e) {
      for (File f : files) {
        f.in.close();
      }
      throw e;
    }
    return new CaptureSource(files);
  }

  /**
   * The next datagram of all the captures by time, or null when all are read. It is valid until the
   * next call: copy what must outlive it.
   */
  public @Nullable Packet next() {
    File f = heads.poll();
    if (f == null) {
      return null;
    }
    Packet p = f.head;
    f.advance(); // into its other packet: p stays as it is
    if (f.head != null) {
      heads.add(f);
    }
    return p;
  }

  /** Frames read, per file. */
  public long frames(int file) {
    return files.get(file).frames;
  }

  /** What each file held besides UDP datagrams, by reason (its decoder's count). */
  public Map<String, Long> notUdp(int file) {
    return files.get(file).decoder.notListed();
  }

  /** Why a file ended early (a truncated or malformed capture), or null. */
  public @Nullable String failure(int file) {
    return files.get(file).failure;
  }

  /** The path of a file. */
  public Path path(int file) {
    return files.get(file).path;
  }

  @Override
  public void close() throws IOException {
    for (File f : files) {
      f.in.close();
    }
  }
}
