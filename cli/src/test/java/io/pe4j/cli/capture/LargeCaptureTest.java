package io.pe4j.cli.capture;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.cli.Pe4j;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * A 1 GiB capture through {@code pe4j extract --pcap -} in a JVM with a 64 MB heap: the reader
 * streams, so the heap never holds more than a frame and the fragments waiting for reassembly.
 */
class LargeCaptureTest {

  static final long GIB = 1L << 30;

  @Test
  void oneGibibyteCapture_streamsThroughA64MbHeap() throws Exception {
    // one chunk: 1,000 SIP datagrams, every 50th sent as three IPv4 fragments, every 10th a TCP
    List<byte[]> frames = new ArrayList<>();
    int datagrams = 0;
    int fragments = 0;
    int tcp = 0;
    for (int i = 0; i < 1000; i++) {
      if (i % 10 == 9) {
        frames.add(
            Frames.ethernet(
                0x0800, Frames.ipv4("192.0.2.10", "198.51.100.1", 6, i, 0, new byte[40])));
        tcp++;
        continue;
      }
      String callId = String.format("%08d@large.example", i);
      datagrams++;
      if (i % 50 == 0) {
        byte[] body = "a=x\r\n".repeat(600).getBytes(StandardCharsets.US_ASCII);
        byte[] udp = Frames.udp(5060, 5060, CaptureReaderTest.concat(Frames.sip(callId), body));
        List<byte[]> parts = Frames.ipv4Fragments(i, udp, 1480);
        parts.forEach(p -> frames.add(Frames.ethernet(0x0800, p)));
        fragments += parts.size() - 1;
      } else {
        frames.add(Frames.ethernet(0x0800, Frames.ipv4Udp(callId)));
      }
    }
    byte[] file =
        Frames.pcap(ByteOrder.LITTLE_ENDIAN, false, 1, 262_144, frames.toArray(new byte[0][]));
    byte[] header = Arrays.copyOf(file, 24);
    byte[] chunk = Arrays.copyOfRange(file, 24, file.length);
    long chunks = (GIB + chunk.length - 1) / chunk.length;

    Process p =
        new ProcessBuilder(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx64m",
                "-XX:+ExitOnOutOfMemoryError",
                "-cp",
                System.getProperty("java.class.path"),
                Pe4j.class.getName(),
                "extract",
                "--engine",
                "sip",
                "--pcap",
                "-")
            .start();
    AtomicReference<Throwable> writeFailure = new AtomicReference<>();
    Thread writer =
        new Thread(
            () -> {
              try (OutputStream in = p.getOutputStream()) {
                in.write(header);
                for (long c = 0; c < chunks; c++) {
                  in.write(chunk);
                }
              } catch (IOException e) {
                writeFailure.set(e);
              }
            });
    writer.start();
    long lines = 0;
    long matched = 0;
    try (BufferedReader out =
        new BufferedReader(new InputStreamReader(p.getInputStream(), StandardCharsets.US_ASCII))) {
      for (String line; (line = out.readLine()) != null; ) {
        lines++;
        if (line.contains("@large.example")) {
          matched++;
        }
      }
    }
    String err = new String(p.getErrorStream().readAllBytes(), StandardCharsets.US_ASCII);
    assertTrue(p.waitFor(120, TimeUnit.SECONDS), "pe4j extract did not finish");
    writer.join();
    assertEquals(null, writeFailure.get());
    assertEquals(0, p.exitValue(), err);
    long frameCount = chunks * frames.size();
    assertEquals(chunks * datagrams, lines);
    assertEquals(lines, matched);
    assertEquals(
        "-: "
            + frameCount
            + " frames, "
            + chunks * datagrams
            + " UDP datagrams listed; not listed: IP fragment, listed with its last fragment "
            + chunks * fragments
            + ", not UDP: TCP "
            + chunks * tcp
            + "\n",
        err);
  }
}
