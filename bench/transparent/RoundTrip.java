import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Round trips through a forwarder, for its CPU per datagram in transparent and full-NAT mode on the
 * same traffic (bench/transparent/cpu.sh). Run with `java RoundTrip.java` (no build):
 *
 *   java RoundTrip.java servers ADDR:PORT...          echo every datagram to its source; print,
 *                                                     each second, datagrams and split Call-IDs
 *   java RoundTrip.java client FROM VIP:PORT RATE SECONDS PID
 *                                                     SIP requests of 10,000 Call-IDs from 64
 *                                                     sockets of FROM; count what returns; the
 *                                                     forwarder's CPU from /proc/PID/stat
 */
public class RoundTrip {
  public static void main(String[] a) throws Exception {
    if (a[0].equals("servers")) {
      servers(a);
    } else {
      client(a);
    }
  }

  static InetSocketAddress address(String s) {
    int colon = s.lastIndexOf(':');
    return new InetSocketAddress(s.substring(0, colon), Integer.parseInt(s.substring(colon + 1)));
  }

  static void servers(String[] a) throws Exception {
    AtomicLong echoed = new AtomicLong();
    Map<String, Integer> serverOf = new ConcurrentHashMap<>();
    AtomicLong split = new AtomicLong();
    for (int i = 1; i < a.length; i++) {
      DatagramSocket s = new DatagramSocket(address(a[i]));
      s.setReceiveBufferSize(16 << 20);
      int me = i;
      Thread t = new Thread(() -> {
        byte[] buf = new byte[65536];
        while (true) {
          DatagramPacket d = new DatagramPacket(buf, buf.length);
          try {
            s.receive(d);
            String text = new String(buf, 0, d.getLength(), StandardCharsets.ISO_8859_1);
            int at = text.indexOf("Call-ID: ");
            String id = text.substring(at + 9, text.indexOf('\r', at));
            Integer was = serverOf.putIfAbsent(id, me);
            if (was != null && was != me) {
              split.incrementAndGet();
            }
            s.send(d); // back to the source: the client itself in transparent mode
            echoed.incrementAndGet();
          } catch (Exception e) {
            return;
          }
        }
      });
      t.start();
    }
    while (true) {
      Thread.sleep(1000);
      System.out.println("echoed " + echoed.get() + " split " + split.get());
    }
  }

  static void client(String[] a) throws Exception {
    String from = a[1];
    InetSocketAddress vip = address(a[2]);
    int rate = Integer.parseInt(a[3]);
    int seconds = Integer.parseInt(a[4]);
    long pid = Long.parseLong(a[5]);
    AtomicLong returned = new AtomicLong();
    AtomicLong notFromVip = new AtomicLong();
    List<DatagramSocket> sockets = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      DatagramSocket s = new DatagramSocket(new InetSocketAddress(from, 0));
      s.setReceiveBufferSize(4 << 20);
      sockets.add(s);
      Thread t = new Thread(() -> {
        byte[] buf = new byte[65536];
        while (true) {
          DatagramPacket d = new DatagramPacket(buf, buf.length);
          try {
            s.receive(d);
          } catch (Exception e) {
            return;
          }
          returned.incrementAndGet();
          if (!d.getSocketAddress().equals(vip)) {
            notFromVip.incrementAndGet();
          }
        }
      });
      t.setDaemon(true);
      t.start();
    }
    byte[][] messages = new byte[10_000][];
    for (int i = 0; i < messages.length; i++) {
      String callId = "rt-" + pid + "-" + i + "-" + Long.toHexString(i * 0x9E3779B97F4A7C15L) + "@198.51.100.10";
      messages[i] = ("INVITE sip:bob@example.com SIP/2.0\r\n"
          + "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK" + i + "\r\n"
          + "Max-Forwards: 70\r\n"
          + "From: <sip:alice@example.com>;tag=" + i + "\r\n"
          + "To: <sip:bob@example.com>\r\n"
          + "Call-ID: " + callId + "\r\n"
          + "CSeq: 1 INVITE\r\n"
          + "Contact: <sip:alice@198.51.100.10:5060>\r\n"
          + "Content-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
    }
    long cpu0 = cpu(pid);
    long sent = 0;
    long start = System.nanoTime();
    long total = (long) rate * seconds;
    while (sent < total) {
      long due = start + sent * 1_000_000_000L / rate;
      long now = System.nanoTime();
      if (now < due) {
        if (due - now > 200_000) {
          Thread.sleep(0, 100_000);
        }
        continue;
      }
      byte[] m = messages[(int) (sent % messages.length)];
      // a call's datagrams from one socket: the socket follows the Call-ID
      sockets.get((int) (sent % messages.length) % sockets.size()).send(new DatagramPacket(m, m.length, vip));
      sent++;
    }
    Thread.sleep(1000);
    long cpu = cpu(pid) - cpu0;
    double ticks = 1e6 / 100; // µs per clock tick (USER_HZ 100)
    System.out.printf(
        "rate %d/s: sent %d returned %d (%.2f %%), not from the VIP %d; forwarder CPU %.2f s,"
            + " %.2f µs per datagram (requests and replies)%n",
        rate, sent, returned.get(), 100.0 * returned.get() / sent, notFromVip.get(),
        cpu / 100.0, cpu * ticks / (sent + returned.get()));
    System.exit(0);
  }

  static long cpu(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime + stime
  }
}
