package io.pe4j.cli.capture;

import java.io.BufferedInputStream;
import java.io.FilterInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.nio.file.Files;
import java.nio.file.Path;

/** Opening a capture to stream from. */
public final class CaptureFile {

  private CaptureFile() {}

  /**
   * Opens a capture file: a regular file, or a pipe ({@code tcpdump -w - | ...}, a FIFO, {@code
   * /dev/stdin}). Nothing asks the file's channel for a position, which a pipe does not have: a
   * buffer's {@code available()} would ("Illegal seek"), so it is not offered, and the reader reads
   * past what it skips.
   */
  public static InputStream open(Path file) throws IOException {
    InputStream raw = Files.newInputStream(file);
    return new BufferedInputStream(
        new FilterInputStream(raw) {
          @Override
          public int available() {
            return 0; // unknown: the buffer returns what it has instead of asking for more
          }
        },
        1 << 16);
  }
}
