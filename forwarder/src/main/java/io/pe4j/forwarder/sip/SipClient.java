package io.pe4j.forwarder.sip;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.IntConsumer;
import org.jspecify.annotations.Nullable;

/**
 * A SIP client (UAC) on UDP that runs whole calls through a virtual service: INVITE (answered by
 * 100, 180, 200), ACK, BYE (answered by 200), with RFC 3261 timer-A style retransmissions, from
 * several client sockets; some calls send a CRLF keep-alive first and some retransmit their INVITE
 * on purpose.
 */
public final class SipClient implements AutoCloseable {

  private final InetSocketAddress target;
  private final List<DatagramSocket> sockets = new ArrayList<>();
  private final List<Thread> readers = new ArrayList<>();
  private final ConcurrentHashMap<String, LinkedBlockingQueue<String>> waiting =
      new ConcurrentHashMap<>();
  private final AtomicInteger retransmissions = new AtomicInteger();
  private final java.util.concurrent.atomic.AtomicLong responsesReceived =
      new java.util.concurrent.atomic.AtomicLong();
  private final String tagPrefix;
  private volatile boolean hop;

  /** Opens {@code socketCount} client sockets on 127.0.0.1 towards {@code target}. */
  public SipClient(InetSocketAddress target, int socketCount, String tagPrefix)
      throws SocketException {
    this.target = target;
    this.tagPrefix = tagPrefix;
    for (int i = 0; i < socketCount; i++) {
      DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
      s.setReceiveBufferSize(4 << 20);
      sockets.add(s);
      Thread t = new Thread(() -> read(s), "sip-client-" + i);
      t.setDaemon(true);
      t.start();
      readers.add(t);
    }
  }

  /**
   * Sends each call's ACK and BYE from another socket than its INVITE, as a client behind a NAT
   * that rebinds, or a phone that changes network: one call's datagrams then come from several
   * addresses (and, behind SO_REUSEPORT, reach several balancer nodes).
   */
  public SipClient hopSockets(boolean on) {
    this.hop = on;
    return this;
  }

  /** Returns the datagrams (responses) its sockets received. */
  public long responsesReceived() {
    return responsesReceived.get();
  }

  /** The outcome of a run of calls. */
  public record Result(int calls, int completed, int failed, int retransmissions) {}

  /**
   * Runs {@code calls} calls, {@code parallel} at a time, reporting each finished call to {@code
   * progress}; returns when all are done.
   */
  public Result run(int calls, int parallel, String callIdPrefix, IntConsumer progress)
      throws InterruptedException {
    ExecutorService pool = Executors.newFixedThreadPool(parallel);
    AtomicInteger completed = new AtomicInteger();
    AtomicInteger failed = new AtomicInteger();
    AtomicInteger done = new AtomicInteger();
    for (int i = 0; i < calls; i++) {
      int n = i;
      pool.execute(
          () -> {
            boolean ok;
            try {
              ok =
                  call(
                      sockets.get(n % sockets.size()),
                      sockets.get((n + (hop ? 1 : 0)) % sockets.size()),
                      callIdPrefix + n + "@pe4j.demo",
                      n);
            } catch (IOException | InterruptedException e) {
              ok = false;
            }
            (ok ? completed : failed).incrementAndGet();
            progress.accept(done.incrementAndGet());
          });
    }
    pool.shutdown();
    if (!pool.awaitTermination(10, TimeUnit.MINUTES)) {
      pool.shutdownNow();
    }
    return new Result(calls, completed.get(), failed.get(), retransmissions.get());
  }

  private boolean call(DatagramSocket s, DatagramSocket later, String callId, int n)
      throws IOException, InterruptedException {
    String local = "127.0.0.1:" + s.getLocalPort();
    if (n % 10 == 0) {
      send(s, "\r\n\r\n"); // an RFC 5626-style keep-alive on the way
    }
    String invite = request("INVITE", callId, 1, local, "z9hG4bK-" + callId.hashCode(), "");
    if (n % 20 == 5) {
      send(s, invite); // a retransmission the server must absorb
      retransmissions.incrementAndGet();
    }
    String ok = transaction(s, invite, callId + "|INVITE");
    if (ok == null || SipText.status(ok) != 200) {
      return false;
    }
    String toTag = SipText.header(ok, "To");
    s = later;
    local = "127.0.0.1:" + s.getLocalPort();
    send(
        s,
        request(
            "ACK",
            callId,
            1,
            local,
            "z9hG4bK-ack-" + callId.hashCode(),
            toTag == null ? "" : toTag));
    String byeOk =
        transaction(
            s,
            request(
                "BYE",
                callId,
                2,
                local,
                "z9hG4bK-bye-" + callId.hashCode(),
                toTag == null ? "" : toTag),
            callId + "|BYE");
    return byeOk != null && SipText.status(byeOk) == 200;
  }

  /** Sends a request until a final response comes (timer A: 50 ms doubling, 7 tries). */
  private @Nullable String transaction(DatagramSocket s, String request, String key)
      throws IOException, InterruptedException {
    LinkedBlockingQueue<String> q = new LinkedBlockingQueue<>();
    waiting.put(key, q);
    try {
      long wait = 50;
      for (int attempt = 0; attempt < 7; attempt++) {
        if (attempt > 0) {
          retransmissions.incrementAndGet();
        }
        send(s, request);
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(wait);
        for (String r;
            (r = q.poll(Math.max(0, deadline - System.nanoTime()), TimeUnit.NANOSECONDS))
                != null; ) {
          if (SipText.status(r) >= 200) {
            return r;
          }
        }
        wait = Math.min(wait * 2, 1000);
      }
      return null;
    } finally {
      waiting.remove(key);
    }
  }

  private String request(
      String method, String callId, int cseq, String local, String branch, String to) {
    return method
        + " sip:service@"
        + target.getHostString()
        + ":"
        + target.getPort()
        + " SIP/2.0\r\n"
        + "Via: SIP/2.0/UDP "
        + local
        + ";branch="
        + branch
        + "\r\n"
        + "Max-Forwards: 70\r\n"
        + "From: <sip:caller@pe4j.demo>;tag="
        + tagPrefix
        + Math.abs(callId.hashCode())
        + "\r\n"
        + "To: "
        + (to.isEmpty() ? "<sip:service@pe4j.demo>" : to)
        + "\r\n"
        + "Call-ID: "
        + callId
        + "\r\n"
        + "CSeq: "
        + cseq
        + " "
        + method
        + "\r\n"
        + "Contact: <sip:caller@"
        + local
        + ">\r\n"
        + "Content-Length: 0\r\n\r\n";
  }

  private void send(DatagramSocket s, String message) throws IOException {
    byte[] b = message.getBytes(StandardCharsets.UTF_8);
    s.send(new DatagramPacket(b, b.length, target));
  }

  private void read(DatagramSocket s) {
    byte[] buf = new byte[65_536];
    while (!s.isClosed()) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        s.receive(p);
      } catch (IOException e) {
        return;
      }
      responsesReceived.incrementAndGet();
      String m = SipText.text(p.getData(), p.getLength());
      String callId = SipText.header(m, "Call-ID");
      String cseq = SipText.header(m, "CSeq");
      if (callId != null && cseq != null) {
        String method = cseq.substring(cseq.indexOf(' ') + 1).strip();
        LinkedBlockingQueue<String> q = waiting.get(callId + "|" + method);
        if (q != null) {
          q.add(m);
        }
      }
    }
  }

  @Override
  public void close() {
    sockets.forEach(DatagramSocket::close);
  }
}
