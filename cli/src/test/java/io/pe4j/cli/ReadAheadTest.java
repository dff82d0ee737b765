package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.cli.capture.CaptureSource;
import io.pe4j.cli.capture.ReadAhead;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

/**
 * {@code pe4j replay} reads its capture on a thread of its own, batches ahead: the datagrams must
 * come exactly as the capture gives them, to the last one, whether or not the count is a multiple
 * of the batch; a replay that stops early must not leave the reader behind.
 */
class ReadAheadTest {

  @TempDir Path dir;

  /** Frame, time, ports and payload of every datagram, as text. */
  private static List<String> direct(Path capture) throws Exception {
    List<String> out = new ArrayList<>();
    try (CaptureSource s = CaptureSource.open(List.of(capture))) {
      for (CaptureSource.Packet p; (p = s.next()) != null; ) {
        out.add(describe(p));
      }
    }
    return out;
  }

  private static String describe(CaptureSource.Packet p) {
    return p.frame()
        + " "
        + p.timeNanos()
        + " "
        + p.sourcePort()
        + ">"
        + p.destinationPort()
        + " "
        + new String(
            p.payload().array(),
            0,
            p.payloadLength(),
            java.nio.charset.StandardCharsets.ISO_8859_1);
  }

  // 1,280 calls: 3,840 datagrams, 15 batches of 256 exactly; 1,281: one datagram more; 1: three
  @ParameterizedTest
  @ValueSource(ints = {1280, 1281, 1})
  void givesEveryDatagramInOrder(int calls) throws Exception {
    Path capture = dir.resolve("c.pcap");
    assertEquals(3L * calls, SipCapture.write(capture, calls, 50, 100, 3, 0, 7));
    List<String> expected = direct(capture);
    List<String> got = new ArrayList<>();
    try (CaptureSource s = CaptureSource.open(List.of(capture));
        ReadAhead ahead = new ReadAhead(s)) {
      for (CaptureSource.Packet p; (p = ahead.next()) != null; ) {
        got.add(describe(p));
      }
      assertNull(ahead.next(), "and nothing after the end");
      assertEquals(calls * 3L, s.frames(0));
    }
    assertEquals(expected, got);
  }

  private static java.util.Set<Thread> readers() {
    java.util.Set<Thread> out = new java.util.HashSet<>();
    for (Thread t : Thread.getAllStackTraces().keySet()) {
      if (t.getName().equals("pe4j-capture-reader")) {
        out.add(t);
      }
    }
    return out;
  }

  @Test
  void closedEarly_theReaderStops() throws Exception {
    Path capture = dir.resolve("c.pcap");
    SipCapture.write(capture, 20_000, 50, 100, 3, 0, 7);
    java.util.Set<Thread> before = readers();
    Thread reader;
    try (CaptureSource s = CaptureSource.open(List.of(capture));
        ReadAhead ahead = new ReadAhead(s)) {
      CaptureSource.Packet first = ahead.next();
      assertEquals(1L, first == null ? -1 : first.frame());
      java.util.Set<Thread> started = readers();
      started.removeAll(before);
      assertEquals(1, started.size(), "one reader thread: " + started);
      reader = started.iterator().next();
    }
    reader.join(5_000);
    assertTrue(!reader.isAlive(), "the reader thread ended with close()");
  }
}
