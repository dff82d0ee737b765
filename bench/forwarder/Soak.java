import java.net.*;
import java.nio.charset.StandardCharsets;
import java.util.*;
import java.util.concurrent.*;
import java.util.concurrent.atomic.*;

/** java Soak.java VPORT S1,S2,S3 RATE SECONDS: 200 client sockets, new Call-ID per request, echo servers; counts duplicated replies (no retransmission here). */
public class Soak {
  public static void main(String[] a) throws Exception {
    int vport = Integer.parseInt(a[0]);
    String[] sp = a[1].split(",");
    int rate = Integer.parseInt(a[2]);
    int seconds = Integer.parseInt(a[3]);
    for (String p : sp) {
      DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", Integer.parseInt(p)));
      s.setReceiveBufferSize(16 << 20);
      Thread t = new Thread(() -> {
        byte[] buf = new byte[65536];
        while (true) {
          DatagramPacket d = new DatagramPacket(buf, buf.length);
          try { s.receive(d); s.send(new DatagramPacket(d.getData(), d.getLength(), d.getSocketAddress())); } catch (Exception e) { return; }
        }
      });
      t.setDaemon(true); t.start();
    }
    int n = 200;
    DatagramSocket[] clients = new DatagramSocket[n];
    ConcurrentHashMap<String, Long> sentAt = new ConcurrentHashMap<>();
    ConcurrentHashMap<String, Integer> replies = new ConcurrentHashMap<>();
    AtomicLong dup = new AtomicLong(), got = new AtomicLong(), late = new AtomicLong();
    long start = System.nanoTime();
    List<String> dupLog = Collections.synchronizedList(new ArrayList<>());
    for (int i = 0; i < n; i++) {
      clients[i] = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
      clients[i].setReceiveBufferSize(4 << 20);
      DatagramSocket c = clients[i];
      Thread t = new Thread(() -> {
        byte[] buf = new byte[65536];
        while (true) {
          DatagramPacket d = new DatagramPacket(buf, buf.length);
          try { c.receive(d); } catch (Exception e) { return; }
          String text = new String(d.getData(), 0, d.getLength(), StandardCharsets.ISO_8859_1);
          int at = text.indexOf("Call-ID: ");
          String id = text.substring(at + 9, text.indexOf('\r', at));
          got.incrementAndGet();
          int k = replies.merge(id, 1, Integer::sum);
          Long s0 = sentAt.get(id);
          long delay = s0 == null ? -1 : (System.nanoTime() - s0) / 1_000_000;
          if (delay > 1000) late.incrementAndGet();
          if (k > 1) { dup.incrementAndGet(); if (dupLog.size() < 50) dupLog.add(String.format("t=%.1fs id=%s delay=%dms from=%s", (System.nanoTime()-start)/1e9, id, delay, d.getSocketAddress())); }
        }
      });
      t.setDaemon(true); t.start();
    }
    InetSocketAddress vip = new InetSocketAddress("127.0.0.1", vport);
    long total = (long) rate * seconds;
    long seq = 0;
    for (long i = 0; i < total; i++) {
      long due = start + i * 1_000_000_000L / rate;
      long now;
      while ((now = System.nanoTime()) < due) { if (due - now > 200_000) Thread.sleep(0, 100_000); }
      String id = "soak-" + (seq++) + "@x";
      byte[] m = ("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK" + seq + "\r\nCall-ID: " + id + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n").getBytes(StandardCharsets.ISO_8859_1);
      sentAt.put(id, System.nanoTime());
      clients[(int) (i % n)].send(new DatagramPacket(m, m.length, vip));
      if (i % (rate * 30L) == 0) System.out.printf("t=%ds sent=%d got=%d dup=%d late=%d%n", (System.nanoTime()-start)/1_000_000_000L, i, got.get(), dup.get(), late.get());
    }
    Thread.sleep(3000);
    System.out.printf("END sent=%d got=%d missing=%d dup=%d late(>1s)=%d%n", total, got.get(), total - replies.size(), dup.get(), late.get());
    dupLog.forEach(System.out::println);
    System.exit(0);
  }
}
