package io.pe4j.cli.capture;

import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import org.jspecify.annotations.Nullable;

/**
 * The UDP datagrams of one or more captures, in the order of their timestamps (a merge: each file
 * is read once, streaming, one frame ahead). A file whose own timestamps go backwards is taken as
 * it is: its datagrams come in file order.
 */
public final class CaptureSource implements AutoCloseable {

  /**
   * One UDP datagram of a capture.
   *
   * @param file the index of its file among those given
   * @param frame its frame number in that file
   * @param timeNanos its timestamp, nanoseconds since the epoch
   * @param source the source address, 4 or 16 bytes
   * @param destination the destination address, 4 or 16 bytes
   */
  public record Packet(
      int file,
      long frame,
      long timeNanos,
      byte[] source,
      int sourcePort,
      byte[] destination,
      int destinationPort,
      byte[] payload) {}

  private static final class File {
    final int index;
    final Path path;
    final InputStream in;
    final CaptureReader reader;
    final FrameDecoder decoder = new FrameDecoder();
    final ArrayDeque<Packet> ready = new ArrayDeque<>();
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

    /** The next datagram of this file, or null at its end (or at the first error: kept). */
    @Nullable Packet next() {
      while (ready.isEmpty() && failure == null) {
        try {
          if (!reader.next()) {
            decoder.finish();
            return ready.poll();
          }
          frames++;
          long time = reader.timeNanos();
          decoder.decode(
              reader,
              (number, src, sport, dst, dport, payload, offset, length) ->
                  ready.add(
                      new Packet(
                          index,
                          number,
                          time,
                          src.clone(),
                          sport,
                          dst.clone(),
                          dport,
                          Arrays.copyOfRange(payload, offset, offset + length))));
        } catch (CaptureException e) {
          failure = e.getMessage();
        } catch (IOException e) {
          failure = "cannot read: " + e.getMessage();
        }
      }
      return ready.poll();
    }
  }

  private record Head(File file, Packet packet) {}

  private final List<File> files;
  private final PriorityQueue<Head> heads =
      new PriorityQueue<>(
          Comparator.comparingLong((Head h) -> h.packet().timeNanos())
              .thenComparingInt(h -> h.file().index));

  private CaptureSource(List<File> files) {
    this.files = files;
    for (File f : files) {
      Packet p = f.next();
      if (p != null) {
        heads.add(new Head(f, p));
      }
    }
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

  /** The next datagram of all the captures by time, or null when all are read. */
  public @Nullable Packet next() {
    if (files.size() == 1) {
      Head h = heads.poll(); // the first datagram, read ahead when opened
      return h != null ? h.packet() : files.get(0).next();
    }
    Head h = heads.poll();
    if (h == null) {
      return null;
    }
    Packet after = h.file().next();
    if (after != null) {
      heads.add(new Head(h.file(), after));
    }
    return h.packet();
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
