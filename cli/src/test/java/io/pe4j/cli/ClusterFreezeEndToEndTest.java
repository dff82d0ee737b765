package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * A frozen member ({@code kill -STOP}: no reset, no heartbeat — a hung VM, a long GC) must not stop
 * the survivors. Three {@code pe4j forward --cluster} processes share one virtual address through
 * SO_REUSEPORT (the kernel pins each client socket to one node); 24 client sockets each send a
 * datagram of their established call and one of a new call every 100 ms; echo servers answer. One
 * node is frozen for 20 s mid-run. The sockets the kernel pins to the frozen node go unanswered (as
 * a dead host behind ECMP would); on every other socket, replies go on: no gap over a second, new
 * calls answered within the cluster wait + 50 ms, no call split across servers ({@code -s mh -b
 * mh-pe}: every node's lone decision is the same). The control holds new calls for 5 s ({@code
 * --cluster-wait-ms 5000}): its new calls wait, which the same measurement sees.
 */
class ClusterFreezeEndToEndTest {

  private static final int SOCKETS = 24;
  private static final List<String> JVM = List.of("-Xmx192m", "-XX:+UseSerialGC", "-Xss512k");

  /** What the client saw. */
  private record Seen(
      int survivorSockets,
      int frozenSockets,
      long worstGapMillis,
      long newCallP99Millis,
      long newCallMaxMillis,
      int split,
      long replies) {}

  @Test
  void aFrozenMemberStallsNoSurvivor() throws Exception {
    long wait = io.pe4j.core.Ipvs.DEFAULT_CLUSTER_WAIT_MILLIS;
    Seen s = run("freeze", wait, 20);
    assertTrue(s.frozenSockets() > 0 && s.survivorSockets() > 0, s.toString());
    assertTrue(s.worstGapMillis() < 1000, "a survivor's socket waited " + s.worstGapMillis());
    assertTrue(s.newCallP99Millis() <= wait + 50, "new calls' p99 " + s.newCallP99Millis() + " ms");
    assertEquals(0, s.split(), "calls split across servers");
  }

  @Test
  void aLongClusterWaitHoldsNewCalls_control() throws Exception {
    Seen s = run("freeze-wait", 5000, 12);
    assertTrue(s.newCallMaxMillis() > 2000, "new calls never waited: " + s);
  }

  private Seen run(String label, long waitMillis, int freezeSeconds) throws Exception {
    try (Processes p = new Processes(Path.of("target", "cluster-freeze"));
        Echo echo = new Echo(3)) {
      int vport = Loopback.freeUdpPort();
      StringBuilder rules = new StringBuilder();
      rules.append("-A -u 127.0.0.1:").append(vport);
      rules.append(" -s mh -b mh-pe -p 60 -M 0.0.0.0 -o --pe sip\n");
      for (int port : echo.ports()) {
        rules.append("-a -u 127.0.0.1:").append(vport).append(" -r 127.0.0.1:");
        rules.append(port).append(" -m -w 1\n");
      }
      Path rulesFile = p.logs().resolve(label + "-rules");
      Files.writeString(rulesFile, rules.toString());
      Path secret = ClusterEndToEndTest.secretFile(p.logs());
      List<String> members = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        members.add("127.0.0.1:" + Loopback.freeTcpPort());
      }
      List<Process> nodes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String m = members.get(i);
        nodes.add(
            p.pe4jWith(
                label + "-node" + i,
                JVM,
                "forward",
                "--rules",
                rulesFile.toString(),
                "--share-port",
                "--threads",
                "1",
                "--cluster",
                label + "-" + ProcessHandle.current().pid(),
                "--cluster-secret",
                secret.toString(),
                "--members",
                String.join(",", members),
                "--cluster-port",
                m.substring(m.indexOf(':') + 1),
                "--cluster-wait-ms",
                Long.toString(waitMillis)));
      }
      for (int i = 0; i < 3; i++) {
        p.awaitLog(label + "-node" + i, "ready", 120);
      }
      Process frozen = nodes.get(1);
      try {
        return drive(vport, label, frozen, freezeSeconds);
      } finally {
        signal(frozen, "CONT");
        for (Process n : nodes) {
          Processes.stop(n);
        }
      }
    }
  }

  private static void signal(Process p, String sig) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start().waitFor();
  }

  /** Sends for 8 s, freezes the node, sends through the freeze, resumes it, sends 4 s more. */
  private static Seen drive(int vport, String label, Process frozen, int freezeSeconds)
      throws Exception {
    InetSocketAddress vip = new InetSocketAddress(InetAddress.getLoopbackAddress(), vport);
    Selector selector = Selector.open();
    List<DatagramChannel> sockets = new ArrayList<>();
    for (int i = 0; i < SOCKETS; i++) {
      DatagramChannel c = DatagramChannel.open().bind(new InetSocketAddress("127.0.0.1", 0));
      c.configureBlocking(false);
      c.register(selector, SelectionKey.OP_READ, i);
      sockets.add(c);
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
    long replies = 0;
    long n = 0;
    long nextSend = start;
    ByteBuffer buf = ByteBuffer.allocate(2048);
    while (System.nanoTime() < end) {
      long now = System.nanoTime();
      if (!isFrozen && now >= freezeAt) {
        signal(frozen, "STOP");
        isFrozen = true;
        Arrays.fill(lastReply, System.nanoTime());
      }
      if (isFrozen && !thawed && now >= thawAt) {
        signal(frozen, "CONT");
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
            sockets.get(i).send(ByteBuffer.wrap(m), vip);
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
    for (DatagramChannel c : sockets) {
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
    Seen seen = new Seen(survivors, SOCKETS - survivors, gap, p99, max, split, replies);
    System.out.printf(
        "cluster freeze %-12s %d s frozen: %d sockets on survivors, %d on the frozen node;"
            + " survivors' worst gap %d ms; %d new calls answered in the freeze, p99 %d ms, max"
            + " %d ms; %d calls split; %d replies%n",
        label,
        freezeSeconds,
        survivors,
        SOCKETS - survivors,
        gap,
        newCallLatency.size(),
        p99,
        max,
        split,
        replies);
    return seen;
  }

  /** Echo servers: each answers every datagram with its name, a space, and the datagram. */
  private static final class Echo implements AutoCloseable {
    private final List<DatagramSocket> sockets = new ArrayList<>();

    Echo(int count) throws IOException {
      for (int i = 0; i < count; i++) {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
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
