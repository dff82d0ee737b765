package io.pe4j.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.Ipvs;
import io.pe4j.forwarder.sip.DemoRun;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A balancer delivers each server datagram at most once, to the client that sent the request, from
 * the virtual address — #33's soak saw replies arrive twice. Without {@code -o}, two event loops, a
 * new Call-ID per request from 100 client sockets, and a UDP timeout of 2 s while half of the
 * clients fall silent for 3 s between bursts: their sessions and connections expire and are opened
 * again on the same client ports, under traffic. Every reply is checked by its Call-ID: how many
 * times it came, to which socket, from where. The control answers each request twice at the servers
 * and shows the check sees duplicates.
 */
class RepliesAtMostOnceTest {

  private static final int CLIENTS = 100;

  /** What the clients saw. */
  record Seen(
      long sent,
      long answered,
      long duplicated,
      long misdelivered,
      long notFromVip,
      long withoutKey,
      long sessionsClosed) {}

  @Test
  void everyReplyArrivesOnce_atItsClient_acrossSessionExpiry() throws Exception {
    Seen seen = run(1, 3_000);
    System.out.println("RepliesAtMostOnceTest: " + seen);
    assertEquals(seen.sent(), seen.answered(), "every request answered: " + seen);
    assertEquals(0, seen.duplicated(), "no reply twice: " + seen);
    assertEquals(0, seen.misdelivered(), "each reply at the socket that sent its request: " + seen);
    assertEquals(0, seen.notFromVip(), "replies come from the virtual service: " + seen);
    assertEquals(0, seen.withoutKey(), "each reply found its connection: " + seen);
    assertTrue(seen.sessionsClosed() > 0, "sessions expired during the run: " + seen);
  }

  @Test
  void control_serversAnsweringTwice_areSeenAsDuplicates() throws Exception {
    Seen seen = run(2, 600);
    assertEquals(seen.sent(), seen.answered(), seen.toString());
    assertEquals(seen.sent(), seen.duplicated(), "the check must see each second answer: " + seen);
  }

  /** Sends {@code requests} new calls; each server answers every datagram {@code answers} times. */
  private static Seen run(int answers, int requests) throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int vport = DemoRun.freePort();
    List<DatagramSocket> servers = new ArrayList<>();
    List<DatagramSocket> clients = new ArrayList<>();
    Map<String, Integer> owner = new ConcurrentHashMap<>();
    Map<String, Integer> replies = new ConcurrentHashMap<>();
    AtomicLong misdelivered = new AtomicLong();
    AtomicLong notFromVip = new AtomicLong();
    try {
      ipvs.ipvsadm("-A -u 127.0.0.1:" + vport + " -s rr -p 60 -M 0.0.0.0 --pe sip");
      ipvs.ipvsadm("--set 0 0 2"); // UDP connections and sessions idle for 2 s expire
      for (int i = 0; i < 3; i++) {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        servers.add(s);
        echo(s, answers);
        ipvs.ipvsadm("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + s.getLocalPort() + " -m");
      }
      try (Forwarder f = Forwarder.builder(ipvs).threads(2).build().start()) {
        for (int i = 0; i < CLIENTS; i++) {
          DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
          c.setReceiveBufferSize(1 << 20);
          clients.add(c);
          int index = i;
          receiving(
              c,
              "client-" + i,
              d -> {
                String id = callId(d);
                replies.merge(id, 1, Integer::sum);
                Integer from = owner.get(id);
                if (from == null || from != index) {
                  misdelivered.incrementAndGet();
                }
                if (d.getPort() != vport) {
                  notFromVip.incrementAndGet();
                }
              });
        }
        InetSocketAddress vip = new InetSocketAddress("127.0.0.1", vport);
        // 1,000 requests a second; clients 50..99 are silent from 1 s to 4 s of every 5 s
        long start = System.nanoTime();
        int sent = 0;
        for (int n = 0; sent < requests; n++) {
          long due = start + n * 1_000_000L;
          while (System.nanoTime() < due) {
            Thread.onSpinWait();
          }
          int client = n % CLIENTS;
          long phase = ((System.nanoTime() - start) / 1_000_000L) % 5_000;
          if (client >= CLIENTS / 2 && phase >= 1_000 && phase < 4_000) {
            continue;
          }
          String id = "once-" + sent + "-" + answers + "@test";
          owner.put(id, client);
          byte[] m = invite(id);
          clients.get(client).send(new DatagramPacket(m, m.length, vip));
          sent++;
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (System.nanoTime() < deadline && replies.size() < sent) {
          Thread.sleep(20);
        }
        Thread.sleep(300); // a late second copy would arrive now
        long duplicated = replies.values().stream().mapToLong(k -> k - 1).sum();
        return new Seen(
            sent,
            replies.size(),
            duplicated,
            misdelivered.get(),
            notFromVip.get(),
            f.stats().returnedWithoutKey(),
            f.stats().sessionsClosed.sum());
      }
    } finally {
      clients.forEach(DatagramSocket::close);
      servers.forEach(DatagramSocket::close);
      ipvs.close();
    }
  }

  private static void echo(DatagramSocket s, int answers) throws SocketException {
    s.setReceiveBufferSize(1 << 20);
    receiving(
        s,
        "echo-" + s.getLocalPort(),
        d -> {
          for (int i = 0; i < answers; i++) {
            s.send(new DatagramPacket(d.getData(), d.getLength(), d.getSocketAddress()));
          }
        });
  }

  /** What a receiving thread does with each datagram. */
  private interface OnDatagram {
    void accept(DatagramPacket d) throws java.io.IOException;
  }

  /** Receives on {@code s} on a daemon thread until the socket closes. */
  private static void receiving(DatagramSocket s, String name, OnDatagram onDatagram) {
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[2048];
              while (true) {
                DatagramPacket d = new DatagramPacket(buf, buf.length);
                try {
                  s.receive(d);
                  onDatagram.accept(d);
                } catch (java.io.IOException e) {
                  return;
                }
              }
            },
            name);
    t.setDaemon(true);
    t.start();
  }

  private static String callId(DatagramPacket d) {
    String text = new String(d.getData(), 0, d.getLength(), StandardCharsets.ISO_8859_1);
    int at = text.indexOf("Call-ID: ") + 9;
    return text.substring(at, text.indexOf('\r', at));
  }

  private static byte[] invite(String callId) {
    return ("INVITE sip:bob@example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK"
            + callId.hashCode()
            + "\r\nCall-ID: "
            + callId
            + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }
}
