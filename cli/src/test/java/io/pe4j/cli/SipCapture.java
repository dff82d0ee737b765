package io.pe4j.cli;

import java.io.BufferedOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.nio.ByteBuffer;
import java.nio.ByteOrder;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.PriorityQueue;
import java.util.SplittableRandom;

/**
 * Writes a classic pcap (raw IPv4, microseconds) of SIP calls, for replay tests and benchmarks:
 * each call an INVITE, an ACK 0.5–1.5 s later and a BYE after its duration (at most 50 s), from one
 * of {@code clients} addresses and source ports towards {@code 10.0.0.1:5060}; calls start at
 * {@code rate} per second. A seed makes the same file every time.
 */
final class SipCapture {
  private SipCapture() {}

  /**
   * {@code java -cp cli/target/test-classes io.pe4j.cli.SipCapture FILE CALLS [PADDING [RATE
   * [SEED]]]}: writes a capture for the replay benchmark ({@code bench/replay/replay.sh}).
   */
  public static void main(String[] args) throws IOException {
    Path file = Path.of(args[0]);
    int calls = Integer.parseInt(args[1]);
    int padding = args.length > 2 ? Integer.parseInt(args[2]) : 0;
    double rate = args.length > 3 ? Double.parseDouble(args[3]) : 100;
    long seed = args.length > 4 ? Long.parseLong(args[4]) : 1;
    long n = write(file, calls, 2_000, rate, 9, padding, seed);
    System.out.printf("%s: %,d datagrams, %,d bytes%n", file, n, Files.size(file));
  }

  /** The virtual address the calls are sent to. */
  static final String TARGET = "10.0.0.1:5060";

  private record Pending(long atMicros, int call, int step) {}

  /**
   * Writes {@code calls} calls; returns the datagrams written.
   *
   * @param padding bytes of an extra header line in each datagram (a bigger capture)
   */
  static long write(
      Path file, int calls, int clients, double rate, double meanSeconds, int padding, long seed)
      throws IOException {
    SplittableRandom random = new SplittableRandom(seed);
    PriorityQueue<Pending> queue =
        new PriorityQueue<>(
            (a, b) ->
                a.atMicros() != b.atMicros()
                    ? Long.compare(a.atMicros(), b.atMicros())
                    : a.call() != b.call()
                        ? Integer.compare(a.call(), b.call())
                        : Integer.compare(a.step(), b.step()));
    long start = 1_765_000_000L * 1_000_000L;
    String pad = "X-Pad: " + "p".repeat(Math.max(0, padding)) + "\r\n";
    long written = 0;
    try (OutputStream out = new BufferedOutputStream(Files.newOutputStream(file), 1 << 20)) {
      ByteBuffer header = ByteBuffer.allocate(24).order(ByteOrder.LITTLE_ENDIAN);
      header.putInt(0xa1b2c3d4).putShort((short) 2).putShort((short) 4).putInt(0).putInt(0);
      header.putInt(65535).putInt(101); // LINKTYPE_RAW
      out.write(header.array());
      int next = 0;
      long nextStart = start;
      while (next < calls || !queue.isEmpty()) {
        if (next < calls && (queue.isEmpty() || nextStart <= queue.peek().atMicros())) {
          queue.add(new Pending(nextStart, next++, 0));
          nextStart += (long) (1e6 / rate);
          continue;
        }
        Pending p = queue.poll();
        int client = Math.floorMod((int) (p.call() * 2654435761L), clients);
        String callId = "call-" + p.call() + "-" + Long.toHexString(seed) + "@capture.example";
        String method = p.step() == 0 ? "INVITE" : p.step() == 1 ? "ACK" : "BYE";
        String sip =
            method
                + " sip:service@10.0.0.1 SIP/2.0\r\nVia: SIP/2.0/UDP 192.0.2."
                + (1 + client % 250)
                + ";branch=z9hG4bK"
                + p.call()
                + p.step()
                + "\r\nFrom: <sip:c"
                + client
                + "@example.com>;tag="
                + p.call()
                + "\r\nTo: <sip:service@10.0.0.1>\r\nCall-ID: "
                + callId
                + "\r\nCSeq: "
                + (p.step() == 2 ? 2 : 1)
                + " "
                + method
                + "\r\n"
                + pad
                + "Content-Length: 0\r\n\r\n";
        byte[] payload = sip.getBytes(StandardCharsets.US_ASCII);
        byte[] src = {(byte) 192, 0, 2, (byte) (1 + client % 250)};
        int sport = 5060 + client / 250;
        writeFrame(out, p.atMicros(), src, sport, new byte[] {10, 0, 0, 1}, 5060, payload);
        written++;
        if (p.step() == 0) {
          queue.add(new Pending(p.atMicros() + 500_000 + random.nextLong(1_000_000), p.call(), 1));
        } else if (p.step() == 1) {
          // exponential, at most 50 s: no call is quiet as long as a 60 s template lives
          long duration =
              (long) Math.min(50e6, -Math.log(1 - random.nextDouble()) * meanSeconds * 1e6);
          queue.add(new Pending(p.atMicros() + Math.max(1, duration), p.call(), 2));
        }
      }
    }
    return written;
  }

  private static void writeFrame(
      OutputStream out, long micros, byte[] src, int sport, byte[] dst, int dport, byte[] payload)
      throws IOException {
    int ipLength = 20 + 8 + payload.length;
    ByteBuffer b = ByteBuffer.allocate(16 + ipLength);
    b.order(ByteOrder.LITTLE_ENDIAN);
    b.putInt((int) (micros / 1_000_000)).putInt((int) (micros % 1_000_000));
    b.putInt(ipLength).putInt(ipLength);
    b.order(ByteOrder.BIG_ENDIAN);
    b.put((byte) 0x45).put((byte) 0).putShort((short) ipLength).putInt(0);
    b.put((byte) 64).put((byte) 17).putShort((short) 0).put(src).put(dst);
    b.putShort((short) sport).putShort((short) dport).putShort((short) (8 + payload.length));
    b.putShort((short) 0).put(payload);
    out.write(b.array());
  }
}
