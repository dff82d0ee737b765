package io.pe4j.forwarder;

import io.pe4j.core.Ipvs;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Warms the datagram path before a forwarder says it is ready: SIP datagrams of many Call-IDs
 * through a private forwarder on loopback (its own core, a {@code sip} service and two echoing
 * servers, so both directions run), until the JIT compiler has compiled what a datagram runs
 * through — Netty's epoll transport, the relay, the core, the engine. Without it the first seconds
 * of traffic run interpreted and the compiler competes with the event loop for the core: datagrams
 * are lost.
 */
public final class Warmup {

  private Warmup() {}

  /** What a warm-up did. */
  public record Result(long roundTrips, Duration took) {
    @Override
    public String toString() {
      return String.format(
          Locale.ROOT, "%,d round trips in %.2f s", roundTrips, took.toNanos() / 1e9);
    }
  }

  /**
   * Runs {@code roundTrips} request/reply pairs through a private forwarder with {@code threads}
   * event loops (epoll where available, as the real one), from 4 clients at once; gives up after
   * {@code limit}. Never throws for what the network does: a lost datagram is only not counted.
   */
  public static Result run(int roundTrips, int threads, Duration limit) throws IOException {
    return run(roundTrips, threads, limit, null);
  }

  /**
   * As {@link #run(int, int, Duration)}, on the transport of that name ({@link
   * Forwarder.Builder#transport}; null: the default), so that the code compiled is the code the
   * real forwarder runs.
   *
   * @throws IllegalArgumentException for a transport name the builder refuses
   */
  public static Result run(
      int roundTrips,
      int threads,
      Duration limit,
      @org.jspecify.annotations.Nullable String transport)
      throws IOException {
    long start = System.nanoTime();
    long deadline = start + limit.toNanos();
    Ipvs ipvs = Ipvs.builder().maxTemplates(1 << 16).build();
    List<DatagramSocket> servers = new ArrayList<>();
    List<Thread> echoes = new ArrayList<>();
    AtomicLong done = new AtomicLong();
    try {
      for (int i = 0; i < 2; i++) {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        servers.add(s);
        Thread t = new Thread(() -> echo(s), "pe4j-warmup-server-" + i);
        t.setDaemon(true);
        t.start();
        echoes.add(t);
      }
      int vport = io.pe4j.forwarder.sip.DemoRun.freePort();
      String vip = "127.0.0.1:" + vport;
      boolean sip = ipvs.engines().get("sip") != null;
      ipvs.ipvsadm("-A -u " + vip + " -s rr -p 60 -M 0.0.0.0 -o" + (sip ? " --pe sip" : ""));
      for (DatagramSocket s : servers) {
        ipvs.ipvsadm("-a -u " + vip + " -r 127.0.0.1:" + s.getLocalPort() + " -m");
      }
      Forwarder.Builder fb = Forwarder.builder(ipvs).threads(threads).maxSessions(64);
      if (transport != null) {
        fb.transport(transport);
      }
      try (Forwarder f = fb.build().start()) {
        List<Thread> clients = new ArrayList<>();
        for (int c = 0; c < 4; c++) {
          int client = c;
          Thread t =
              new Thread(
                  () -> clientLoop(client, vport, roundTrips / 4, deadline, done),
                  "pe4j-warmup-client-" + c);
          t.setDaemon(true);
          t.start();
          clients.add(t);
        }
        for (Thread t : clients) {
          t.join(Math.max(1, (deadline - System.nanoTime()) / 1_000_000));
        }
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } finally {
      for (DatagramSocket s : servers) {
        s.close();
      }
    }
    return new Result(done.get(), Duration.ofNanos(System.nanoTime() - start));
  }

  private static void echo(DatagramSocket s) {
    byte[] buf = new byte[65_536];
    while (!s.isClosed()) {
      DatagramPacket d = new DatagramPacket(buf, buf.length);
      try {
        s.receive(d);
        s.send(d);
      } catch (IOException e) {
        return;
      }
    }
  }

  private static void clientLoop(
      int client, int vport, int roundTrips, long deadline, AtomicLong done) {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      s.setSoTimeout(200);
      InetSocketAddress vip = new InetSocketAddress("127.0.0.1", vport);
      byte[] buf = new byte[65_536];
      for (int i = 0; i < roundTrips && System.nanoTime() < deadline; i++) {
        byte[] m = message(client, i % 2_000);
        s.send(new DatagramPacket(m, m.length, vip));
        try {
          s.receive(new DatagramPacket(buf, buf.length));
          done.incrementAndGet();
        } catch (SocketTimeoutException e) {
          // lost: the warm-up goes on
        }
      }
    } catch (IOException e) {
      // no socket: no warm-up from this client
    }
  }

  private static byte[] message(int client, int call) {
    return ("INVITE sip:bob@example.com SIP/2.0\r\n"
            + "Via: SIP/2.0/UDP 127.0.0.1:5060;branch=z9hG4bK-warm-"
            + call
            + "\r\n"
            + "Max-Forwards: 70\r\n"
            + "From: <sip:alice@example.com>;tag="
            + client
            + "\r\n"
            + "To: <sip:bob@example.com>\r\n"
            + "Call-ID: warm-"
            + client
            + "-"
            + call
            + "@pe4j\r\n"
            + "CSeq: 1 INVITE\r\n"
            + "Content-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }
}
