package io.pe4j.cli;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * SIP-like traffic through a cluster under a fault: client sockets each send a datagram of their
 * established call and one of a new call every 100 ms; echo servers answer with their name. What it
 * measures: which sockets went unanswered during the fault (pinned to a frozen node), the worst gap
 * between replies on the others, the new calls' reply latency during the fault, and calls answered
 * by more than one server.
 */
final class CallDriver {

  private CallDriver() {}

  /** What the client saw. */
  record Seen(
      int survivorSockets,
      int frozenSockets,
      long worstGapMillis,
      long newCallP99Millis,
      long newCallMaxMillis,
      int split,
      long replies,
      Set<String> callIds,
      long establishedP99MicrosBefore,
      long establishedP99MicrosInFault) {}

  /** A fault to inject and heal. */
  interface Fault {
    void apply() throws Exception;
  }

  /**
   * Sends for 8 s from {@code sockets} client sockets bound to {@code clientAddress}, applies the
   * fault, sends through it for {@code faultSeconds}, heals it, sends 4 s more. During the fault:
   * each socket's worst gap between replies, and the new calls' reply latency.
   */
  static Seen drive(
      InetSocketAddress vip,
      String clientAddress,
      int sockets,
      String label,
      Fault fault,
      Fault heal,
      int faultSeconds)
      throws Exception {
    int SOCKETS = sockets;
    int freezeSeconds = faultSeconds;
    Selector selector = Selector.open();
    List<DatagramChannel> channels = new ArrayList<>();
    for (int i = 0; i < SOCKETS; i++) {
      DatagramChannel c = DatagramChannel.open().bind(new InetSocketAddress(clientAddress, 0));
      c.configureBlocking(false);
      c.register(selector, SelectionKey.OP_READ, i);
      channels.add(c);
    }
    long start = System.nanoTime();
    long freezeAt = start + 8_000_000_000L;
    long thawAt = freezeAt + freezeSeconds * 1_000_000_000L;
    long end = thawAt + 4_000_000_000L;
    boolean isFrozen = false;
    boolean thawed = false;
    long[] lastReply = new long[SOCKETS];
    long[] worstGap = new long[SOCKETS];
    int[] repliesInFreeze = new int[SOCKETS];
    Map<String, Long> sentAt = new HashMap<>();
    Map<String, Set<String>> servers = new HashMap<>();
    List<Long> newCallLatency = new ArrayList<>();
    List<Long> establishedBefore = new ArrayList<>();
    List<Long> establishedInFault = new ArrayList<>();
    long replies = 0;
    long n = 0;
    long nextSend = start;
    ByteBuffer buf = ByteBuffer.allocate(2048);
    while (System.nanoTime() < end) {
      long now = System.nanoTime();
      if (!isFrozen && now >= freezeAt) {
        fault.apply();
        isFrozen = true;
        Arrays.fill(lastReply, System.nanoTime());
      }
      if (isFrozen && !thawed && now >= thawAt) {
        heal.apply();
        thawed = true;
      }
      if (now >= nextSend) {
        nextSend += 100_000_000L;
        n++;
        for (int i = 0; i < SOCKETS; i++) {
          String established = label + "-est-" + i;
          String fresh = label + "-new-" + i + "-" + n;
          for (String id : List.of(established, fresh)) {
            byte[] m =
                ("INVITE sip:x@example.com SIP/2.0\r\nCall-ID: "
                        + id
                        + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
                    .getBytes(StandardCharsets.ISO_8859_1);
            sentAt.put(id, System.nanoTime());
            channels.get(i).send(ByteBuffer.wrap(m), vip);
          }
        }
      }
      selector.select(Math.max(1, (nextSend - System.nanoTime()) / 1_000_000));
      for (var it = selector.selectedKeys().iterator(); it.hasNext(); ) {
        SelectionKey k = it.next();
        it.remove();
        int i = (Integer) k.attachment();
        DatagramChannel c = (DatagramChannel) k.channel();
        while (true) {
          buf.clear();
          if (c.receive(buf) == null) {
            break;
          }
          long t = System.nanoTime();
          replies++;
          String reply = new String(buf.array(), 0, buf.position(), StandardCharsets.ISO_8859_1);
          String server = reply.substring(0, reply.indexOf(' '));
          int idAt = reply.indexOf("Call-ID: ") + 9;
          String id = reply.substring(idAt, reply.indexOf('\r', idAt));
          servers.computeIfAbsent(id, x -> new HashSet<>()).add(server);
          Long sent = sentAt.remove(id);
          boolean inFreeze = isFrozen && !thawed;
          if (sent != null && id.contains("-est-")) { // an established call's round trip, in µs
            if (inFreeze) {
              establishedInFault.add((t - sent) / 1_000);
            } else if (!isFrozen && t - start > 3_000_000_000L) { // before the fault, warmed up
              establishedBefore.add((t - sent) / 1_000);
            }
          }
          if (inFreeze) {
            repliesInFreeze[i]++;
            worstGap[i] = Math.max(worstGap[i], t - lastReply[i]);
            lastReply[i] = t;
            if (sent != null && id.contains("-new-")) {
              newCallLatency.add((t - sent) / 1_000_000);
            }
          }
        }
      }
    }
    for (DatagramChannel c : channels) {
      c.close();
    }
    selector.close();
    int survivors = 0;
    long gap = 0;
    for (int i = 0; i < SOCKETS; i++) {
      if (repliesInFreeze[i] > 0) {
        survivors++;
        gap = Math.max(gap, worstGap[i] / 1_000_000);
      }
    }
    int split = 0;
    for (Set<String> s : servers.values()) {
      split += s.size() > 1 ? 1 : 0;
    }
    newCallLatency.sort(null);
    long p99 =
        newCallLatency.isEmpty()
            ? -1
            : newCallLatency.get(
                (int) Math.min(newCallLatency.size() - 1, newCallLatency.size() * 0.99));
    long max = newCallLatency.isEmpty() ? -1 : newCallLatency.get(newCallLatency.size() - 1);
    long estBefore = p99(establishedBefore);
    long estFault = p99(establishedInFault);
    Seen seen =
        new Seen(
            survivors,
            SOCKETS - survivors,
            gap,
            p99,
            max,
            split,
            replies,
            servers.keySet(),
            estBefore,
            estFault);
    System.out.printf(
        "cluster fault %-12s %d s: %d sockets on survivors, %d unanswered;"
            + " survivors' worst gap %d ms; %d new calls answered in the freeze, p99 %d ms, max"
            + " %d ms; established calls' p99 %d µs before the fault, %d µs during it; %d calls"
            + " split; %d replies%n",
        label,
        freezeSeconds,
        survivors,
        SOCKETS - survivors,
        gap,
        newCallLatency.size(),
        p99,
        max,
        estBefore,
        estFault,
        split,
        replies);
    return seen;
  }

  private static long p99(List<Long> values) {
    if (values.isEmpty()) {
      return -1;
    }
    List<Long> sorted = new ArrayList<>(values);
    sorted.sort(null);
    return sorted.get((int) Math.min(sorted.size() - 1, sorted.size() * 0.99));
  }

  /** Echo servers: each answers every datagram with its name, a space, and the datagram. */
  static final class Echo implements AutoCloseable {
    private final List<DatagramSocket> sockets = new ArrayList<>();

    Echo(int count) throws IOException {
      this(java.util.Collections.nCopies(count, new InetSocketAddress("127.0.0.1", 0)));
    }

    /** Echo servers bound to {@code addresses}. */
    Echo(List<InetSocketAddress> addresses) throws IOException {
      for (int i = 0; i < addresses.size(); i++) {
        DatagramSocket s = new DatagramSocket(addresses.get(i));
        s.setSoTimeout(200);
        sockets.add(s);
        String name = "rs" + i;
        Thread t =
            new Thread(
                () -> {
                  byte[] b = new byte[2048];
                  byte[] prefix = (name + " ").getBytes(StandardCharsets.ISO_8859_1);
                  while (!s.isClosed()) {
                    DatagramPacket in = new DatagramPacket(b, b.length);
                    try {
                      s.receive(in);
                      byte[] out = new byte[prefix.length + in.getLength()];
                      System.arraycopy(prefix, 0, out, 0, prefix.length);
                      System.arraycopy(b, 0, out, prefix.length, in.getLength());
                      s.send(new DatagramPacket(out, out.length, in.getSocketAddress()));
                    } catch (SocketTimeoutException e) {
                      // look at isClosed again
                    } catch (IOException e) {
                      return;
                    }
                  }
                },
                "echo-" + name);
        t.setDaemon(true);
        t.start();
      }
    }

    List<Integer> ports() {
      List<Integer> out = new ArrayList<>();
      for (DatagramSocket s : sockets) {
        out.add(s.getLocalPort());
      }
      return out;
    }

    @Override
    public void close() {
      for (DatagramSocket s : sockets) {
        s.close();
      }
    }
  }
}
