import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * One-way load through a forwarder, for its CPU per datagram: SIP INVITEs of 10,000 Call-IDs from
 * 64 client sockets at a fixed rate to a virtual service, three sinks that count what arrives and
 * check that each Call-ID reaches one sink only, and the forwarder's CPU time read from
 * /proc/PID/stat before and after. Run with `java OneWay.java` (no build):
 *
 *   java OneWay.java VPORT SINK1,SINK2,SINK3 RATE SECONDS PID
 */
public class OneWay {
  public static void main(String[] a) throws Exception {
    int vport = Integer.parseInt(a[0]);
    String[] sinkPorts = a[1].split(",");
    int rate = Integer.parseInt(a[2]);
    int seconds = Integer.parseInt(a[3]);
    long pid = Long.parseLong(a[4]);
    AtomicLong received = new AtomicLong();
    Map<String, Integer> sinkOf = new ConcurrentHashMap<>();
    Set<String> split = ConcurrentHashMap.newKeySet();
    List<DatagramSocket> sinks = new ArrayList<>();
    for (String p : sinkPorts) {
      DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", Integer.parseInt(p)));
      s.setReceiveBufferSize(16 << 20);
      sinks.add(s);
      int port = s.getLocalPort();
      Thread t = new Thread(() -> {
        byte[] buf = new byte[65536];
        while (true) {
          DatagramPacket d = new DatagramPacket(buf, buf.length);
          try {
            s.receive(d);
          } catch (Exception e) {
            return;
          }
          received.incrementAndGet();
          String text = new String(d.getData(), 0, d.getLength(), StandardCharsets.ISO_8859_1);
          int at = text.indexOf("Call-ID: ");
          String id = text.substring(at + 9, text.indexOf('\r', at));
          Integer was = sinkOf.putIfAbsent(id, port);
          if (was != null && was != port) {
            split.add(id);
          }
        }
      });
      t.setDaemon(true);
      t.start();
    }
    byte[][] messages = new byte[10_000][];
    for (int i = 0; i < messages.length; i++) {
      messages[i] = ("INVITE sip:bob@example.com SIP/2.0\r\n"
          + "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK776asdhds" + i + "\r\n"
          + "Max-Forwards: 70\r\nTo: Bob <sip:bob@example.com>\r\n"
          + "From: Alice <sip:alice@example.org>;tag=1928301774\r\n"
          + "Call-ID: " + String.format("%08d", i) + "-a84b4c76e66710@pc33.example.org\r\n"
          + "CSeq: 314159 INVITE\r\nContact: <sip:alice@198.51.100.10>\r\n"
          + "Content-Type: application/sdp\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
    }
    List<DatagramSocket> clients = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      clients.add(new DatagramSocket(new InetSocketAddress("127.0.0.1", 0)));
    }
    InetSocketAddress vip = new InetSocketAddress("127.0.0.1", vport);
    long cpu0 = cpuTicks(pid);
    long start = System.nanoTime();
    long sent = 0;
    long total = (long) rate * seconds;
    while (sent < total) {
      long due = (System.nanoTime() - start) * rate / 1_000_000_000L;
      while (sent < Math.min(due, total)) {
        byte[] m = messages[(int) (sent % messages.length)];
        clients.get((int) (sent % clients.size())).send(new DatagramPacket(m, m.length, vip));
        sent++;
      }
      Thread.sleep(0, 200_000);
    }
    double sendSeconds = (System.nanoTime() - start) / 1e9;
    long deadline = System.currentTimeMillis() + 3000;
    while (received.get() < sent && System.currentTimeMillis() < deadline) {
      Thread.sleep(10);
    }
    Thread.sleep(200);
    long cpu1 = cpuTicks(pid);
    double cpuSeconds = (cpu1 - cpu0) / 100.0; // USER_HZ
    System.out.printf("rate %d/s for %.1f s: sent %d, received %d (%.2f %%), split Call-IDs %d, forwarder CPU %.2f s = %.2f us per datagram%n",
        rate, sendSeconds, sent, received.get(), 100.0 * received.get() / sent, split.size(), cpuSeconds, cpuSeconds * 1e6 / Math.max(1, received.get()));
  }

  static long cpuTicks(long pid) throws Exception {
    String stat = Files.readString(Path.of("/proc/" + pid + "/stat"));
    String[] f = stat.substring(stat.lastIndexOf(')') + 2).split(" ");
    return Long.parseLong(f[11]) + Long.parseLong(f[12]); // utime, stime
  }
}
