package io.pe4j.forwarder.sip;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * A SIP server (UAS) on UDP that answers INVITE with 100, 180 and 200, BYE with 200 — or 481 when
 * it never saw the call — and records every Call-ID it receives, so that a test can see a call
 * split across servers.
 */
public final class SipServer implements AutoCloseable {

  private final DatagramSocket socket;
  private final Thread thread;
  private final Set<String> calls = ConcurrentHashMap.newKeySet();
  private final Set<String> callIdsSeen = ConcurrentHashMap.newKeySet();
  private final AtomicLong deadCallMessages = new AtomicLong();
  private final AtomicLong keepAlives = new AtomicLong();
  private final String name;

  private SipServer(DatagramSocket socket, String name) {
    this.socket = socket;
    this.name = name;
    this.thread = new Thread(this::serve, "sip-server-" + name);
    this.thread.setDaemon(true);
  }

  private volatile boolean silent;

  /** Starts a server on {@code address} (port 0: a free one). */
  public static SipServer start(InetSocketAddress address, String name) throws SocketException {
    DatagramSocket s = new DatagramSocket(address);
    s.setReceiveBufferSize(4 << 20);
    SipServer server = new SipServer(s, name);
    server.thread.start();
    return server;
  }

  /** Returns the address it listens on. */
  public InetSocketAddress address() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  /** Returns its name. */
  public String name() {
    return name;
  }

  /** Returns the calls it answered an INVITE for. */
  public Set<String> calls() {
    return Set.copyOf(calls);
  }

  /** Returns every Call-ID it received a request for. */
  public Set<String> callIdsSeen() {
    return Set.copyOf(callIdsSeen);
  }

  /** Returns the ACKs and BYEs it received for calls it never saw: a split call's symptom. */
  public long deadCallMessages() {
    return deadCallMessages.get();
  }

  /** Makes it ignore every datagram (a hung server) or answer again. */
  public void silence(boolean on) {
    silent = on;
  }

  /** Returns the CRLF keep-alives it received. */
  public long keepAlives() {
    return keepAlives.get();
  }

  private void serve() {
    byte[] buf = new byte[65_536];
    while (!socket.isClosed()) {
      DatagramPacket p = new DatagramPacket(buf, buf.length);
      try {
        socket.receive(p);
        handle(SipText.text(p.getData(), p.getLength()), (InetSocketAddress) p.getSocketAddress());
      } catch (IOException e) {
        if (socket.isClosed()) {
          return;
        }
      }
    }
  }

  private void handle(String message, InetSocketAddress from) throws IOException {
    if (silent) {
      return;
    }
    long delay = replyDelayMillis;
    if (delay > 0) {
      delayed.schedule(
          () -> {
            try {
              answer(message, from);
            } catch (IOException e) {
              // the socket closed meanwhile
            }
          },
          delay,
          java.util.concurrent.TimeUnit.MILLISECONDS);
      return;
    }
    answer(message, from);
  }

  /** Returns the responses it sent. */
  public long repliesSent() {
    return repliesSent.get();
  }

  private final java.util.concurrent.atomic.AtomicLong repliesSent =
      new java.util.concurrent.atomic.AtomicLong();

  /** Makes it answer every request {@code millis} later (a loaded server, replies in flight). */
  public void replyDelay(long millis) {
    replyDelayMillis = millis;
  }

  private volatile long replyDelayMillis;
  private final java.util.concurrent.ScheduledExecutorService delayed =
      java.util.concurrent.Executors.newSingleThreadScheduledExecutor(
          r -> {
            Thread t = new Thread(r, "sip-server-delay");
            t.setDaemon(true);
            return t;
          });

  private void answer(String message, InetSocketAddress from) throws IOException {
    if (message.isBlank()) {
      keepAlives.incrementAndGet();
      return;
    }
    String method = SipText.method(message);
    String callId = SipText.header(message, "Call-ID");
    if (method == null || callId == null) {
      return;
    }
    callIdsSeen.add(callId);
    switch (method) {
      case "INVITE":
        calls.add(callId);
        reply(message, 100, "Trying", from, false);
        reply(message, 180, "Ringing", from, true);
        reply(message, 200, "OK", from, true);
        break;
      case "ACK":
        if (!calls.contains(callId)) {
          deadCallMessages.incrementAndGet();
        }
        break;
      case "BYE":
        if (calls.contains(callId)) {
          reply(message, 200, "OK", from, true);
        } else {
          deadCallMessages.incrementAndGet();
          reply(message, 481, "Call/Transaction Does Not Exist", from, true);
        }
        break;
      default:
        reply(message, 200, "OK", from, true);
    }
  }

  private void reply(String request, int code, String reason, InetSocketAddress to, boolean tag)
      throws IOException {
    String toHeader = SipText.header(request, "To");
    String resp =
        "SIP/2.0 "
            + code
            + " "
            + reason
            + "\r\n"
            + "Via: "
            + SipText.header(request, "Via")
            + "\r\n"
            + "From: "
            + SipText.header(request, "From")
            + "\r\n"
            + "To: "
            + toHeader
            + (tag && toHeader != null && !toHeader.contains("tag=") ? ";tag=" + name : "")
            + "\r\n"
            + "Call-ID: "
            + SipText.header(request, "Call-ID")
            + "\r\n"
            + "CSeq: "
            + SipText.header(request, "CSeq")
            + "\r\n"
            + "Server: pe4j-demo-"
            + name
            + "\r\n"
            + "Content-Length: 0\r\n\r\n";
    byte[] b = resp.getBytes(StandardCharsets.UTF_8);
    socket.send(new DatagramPacket(b, b.length, to));
    repliesSent.incrementAndGet();
  }

  @Override
  public void close() {
    delayed.shutdownNow();
    socket.close();
  }
}
