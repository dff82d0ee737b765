package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.forwarder.AdminClient;
import io.pe4j.forwarder.sip.DemoRun;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.UnixDomainSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pe4j forward} at its limits, as a process: bounds, bad input, descriptors, heap. */
class ForwardLimitsTest {

  @TempDir Path dir;

  static List<String> pe4j(String... args) {
    return pe4jWithHeap(null, args);
  }

  /** The pe4j command in a JVM of its own, with {@code -Xmx} set when {@code heap} is given. */
  static List<String> pe4jWithHeap(@org.jspecify.annotations.Nullable String heap, String... args) {
    return Processes.pe4jCommand(heap == null ? List.of() : List.of("-Xmx" + heap), args);
  }

  @Test
  void binaryRulesFile_isRefusedWithFileLineAndColumn() throws Exception {
    Path rules = dir.resolve("rules");
    Files.write(
        rules, "-A -u 127.0.0.1:5999 -s rr\n-a \u0000\u0001".getBytes(StandardCharsets.ISO_8859_1));
    CliTest.Run r = CliTest.run("forward", "--rules", rules.toString());
    assertEquals(2, r.code());
    assertEquals(rules + ":2:4: not text (byte 0x00): a rules file holds ipvsadm lines\n", r.err());
    Files.write(rules, new byte[] {'-', 'A', ' ', (byte) 0xff, '\n'});
    assertEquals(
        rules + ":1:4: not text (byte 0xff): a rules file holds ipvsadm lines\n",
        CliTest.run("ipvsadm", "--rules", rules.toString(), "-Ln").err());
  }

  @Test
  void emptyRulesFile_isRefused_unlessServicesCanBeAddedLater() throws Exception {
    Path rules = Files.writeString(dir.resolve("empty"), "# nothing yet\n");
    CliTest.Run r = CliTest.run("forward", "--rules", rules.toString());
    assertEquals(2, r.code());
    assertEquals(
        rules
            + ": no UDP virtual service with an address and a port: nothing to forward (add"
            + " services to the file, or start with --admin to add them later)\n",
        r.err());
    try (Processes ps = new Processes(dir.resolve("logs"))) {
      Path sock = dir.resolve("a.sock");
      Process p =
          ps.start(
              "fwd",
              pe4j(
                  "forward",
                  "--rules",
                  rules.toString(),
                  "--admin",
                  sock.toString(),
                  "--threads",
                  "1"));
      ps.awaitLog("fwd", "ready", 30);
      int vport = DemoRun.freePort();
      assertEquals(
          "",
          AdminClient.send(
              UnixDomainSocketAddress.of(sock), null, "-A -u 127.0.0.1:" + vport + " -s rr"));
      // the new service is bound now: its port is taken
      assertTrue(!canBind(vport), "a service added through the admin socket is bound");
      assertEquals(0, Processes.stop(p));
    }
  }

  static boolean canBind(int port) {
    try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
      return true;
    } catch (java.net.SocketException e) {
      return false;
    }
  }

  @Test
  void portInUse_namesTheService_andASecondInstanceRefusesToStart() throws Exception {
    int vport = DemoRun.freePort();
    Path rules =
        Files.write(
            dir.resolve("rules"),
            List.of(
                "-A -u 127.0.0.1:" + vport + " -s rr",
                "-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:9 -m"));
    String refusal =
        "pe4j forward: cannot bind UDP 127.0.0.1:"
            + vport
            + ": the address is already in use (another pe4j forward? to share it between"
            + " processes on purpose, start each with --share-port)\n";
    try (DatagramSocket squatter = new DatagramSocket(new InetSocketAddress("127.0.0.1", vport))) {
      CliTest.Run r = CliTest.run("forward", "--rules", rules.toString(), "--threads", "1");
      assertEquals(2, r.code());
      assertEquals(refusal, r.err());
    }
    try (Processes ps = new Processes(dir.resolve("logs"))) {
      Process first =
          ps.start("first", pe4j("forward", "--rules", rules.toString(), "--threads", "2"));
      ps.awaitLog("first", "ready", 30);
      CliTest.Run second = CliTest.run("forward", "--rules", rules.toString(), "--threads", "1");
      assertEquals(2, second.code());
      assertEquals(refusal, second.err());
      assertEquals(0, Processes.stop(first));
    }
  }

  @Test
  void startUp_saysItsBounds_theTemplateBoundFollowsTheHeap() throws Exception {
    int vport = DemoRun.freePort();
    Path rules = Files.write(dir.resolve("rules"), List.of("-A -u 127.0.0.1:" + vport + " -s rr"));
    try (Processes ps = new Processes(dir.resolve("logs"))) {
      Process p =
          ps.start(
              "fwd",
              pe4jWithHeap("256m", "forward", "--rules", rules.toString(), "--threads", "1"));
      ps.awaitLog("fwd", "ready", 30);
      Matcher m =
          Pattern.compile(
                  "at most ([0-9,]+) templates and ([0-9,]+) sessions \\(heap ([0-9,]+) MB\\)")
              .matcher(ps.log("fwd"));
      assertTrue(m.find(), ps.log("fwd"));
      long templates = Long.parseLong(m.group(1).replace(",", ""));
      long heapMb = Long.parseLong(m.group(3).replace(",", ""));
      assertEquals(heapMb * 1024 * 1024 / 2 / 512, templates, 1024 * 1024 / 512.0 * 2);
      assertEquals(0, Processes.stop(p));
    }
  }

  /**
   * Descriptors run out (ulimit -n 200, 600 clients): every datagram is forwarded or counted, the
   * servers receive exactly what was counted forwarded, InPkts agrees, and a client whose socket
   * could not be opened gets through on a later datagram once sessions expire.
   */
  @Test
  void descriptorsExhausted_everyDatagramCounted_andTheClientIsRetried() throws Exception {
    try (DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        Processes ps = new Processes(dir.resolve("logs"))) {
      server.setReceiveBufferSize(8 << 20);
      Set<String> received = ConcurrentHashMap.newKeySet();
      Thread t =
          new Thread(
              () -> {
                byte[] buf = new byte[2048];
                while (!server.isClosed()) {
                  DatagramPacket p = new DatagramPacket(buf, buf.length);
                  try {
                    server.receive(p);
                    received.add(
                        new String(p.getData(), 0, p.getLength(), StandardCharsets.US_ASCII));
                  } catch (java.io.IOException e) {
                    return;
                  }
                }
              });
      t.setDaemon(true);
      t.start();
      int vport = DemoRun.freePort();
      Path rules =
          Files.write(
              dir.resolve("rules"),
              List.of(
                  "--set 0 0 2",
                  "-A -u 127.0.0.1:" + vport + " -s rr",
                  "-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + server.getLocalPort() + " -m"));
      Path sock = dir.resolve("a.sock");
      List<String> cmd =
          new ArrayList<>(List.of("bash", "-c", "ulimit -n 200 && exec \"$@\"", "pe4j"));
      cmd.addAll(
          pe4j(
              "forward",
              "--rules",
              rules.toString(),
              "--admin",
              sock.toString(),
              "--threads",
              "1",
              "--max-sessions",
              "5000"));
      Process p = ps.start("fwd", cmd);
      ps.awaitLog("fwd", "ready", 30);
      InetSocketAddress vip = new InetSocketAddress("127.0.0.1", vport);
      List<DatagramSocket> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 600; i++) {
          DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
          clients.add(c);
          for (int k = 0; k < 2; k++) {
            byte[] m = ("client-" + i + "-" + k).getBytes(StandardCharsets.US_ASCII);
            c.send(new DatagramPacket(m, m.length, vip));
          }
        }
        Map<String, Long> stats = awaitSettled(sock, 1200);
        long forwarded = stats.getOrDefault("forwarded to servers", -1L);
        assertTrue(
            stats.getOrDefault("dropped: upstream socket failed", 0L) > 0
                || stats.keySet().stream()
                    .anyMatch(k -> k.startsWith("dropped: upstream socket failed")),
            stats.toString());
        assertTrue(forwarded > 0 && forwarded < 1200, stats.toString());
        Thread.sleep(300);
        assertEquals(
            forwarded, received.size(), "the server got exactly what was counted forwarded");
        String listing =
            AdminClient.send(UnixDomainSocketAddress.of(sock), null, "-Ln --stats --exact");
        assertTrue(
            listing.contains(" " + forwarded + " "), "InPkts counts what was sent: " + listing);
        // a client that was turned away is retried once the sessions expired (UDP timeout 2 s)
        int lost = -1;
        for (int i = 599; i >= 0 && lost < 0; i--) {
          if (!received.contains("client-" + i + "-0")) {
            lost = i;
          }
        }
        assertTrue(lost >= 0);
        Thread.sleep(4000);
        byte[] again = ("client-" + lost + "-again").getBytes(StandardCharsets.US_ASCII);
        clients.get(lost).send(new DatagramPacket(again, again.length, vip));
        long deadline = System.currentTimeMillis() + 5000;
        while (!received.contains("client-" + lost + "-again")
            && System.currentTimeMillis() < deadline) {
          Thread.sleep(20);
        }
        assertTrue(
            received.contains("client-" + lost + "-again"), "the turned-away client is retried");
      } finally {
        clients.forEach(DatagramSocket::close);
      }
      assertEquals(0, Processes.stop(p), ps.log("fwd"));
    }
  }

  /** Polls --forwarder until every datagram received is forwarded or counted. */
  static Map<String, Long> awaitSettled(Path sock, long expected) throws Exception {
    long deadline = System.currentTimeMillis() + 20_000;
    Map<String, Long> stats = Map.of();
    while (System.currentTimeMillis() < deadline) {
      stats = parse(AdminClient.send(UnixDomainSocketAddress.of(sock), null, "--forwarder"));
      long in = stats.getOrDefault("datagrams from clients", -1L);
      long drops =
          stats.entrySet().stream()
              .filter(e -> e.getKey().startsWith("dropped: "))
              .mapToLong(Map.Entry::getValue)
              .sum();
      if (in == expected && stats.getOrDefault("forwarded to servers", 0L) + drops == in) {
        return stats;
      }
      Thread.sleep(100);
    }
    throw new AssertionError("not settled: " + stats);
  }

  static Map<String, Long> parse(String render) {
    Map<String, Long> out = new TreeMap<>();
    for (String line : render.split("\n")) {
      Matcher m = Pattern.compile("^(.*?)\\s+(-?\\d+)(\\s.*)?$").matcher(line);
      if (m.matches()) {
        out.put(m.group(1).strip(), Long.parseLong(m.group(2)));
      }
    }
    return out;
  }

  /** Out of heap, the process exits 3 at once instead of lingering with its sockets bound. */
  @Test
  void outOfMemory_exitsAtOnce() throws Exception {
    int vport = DemoRun.freePort();
    Path rules =
        Files.write(
            dir.resolve("rules"),
            List.of(
                "-A -u 127.0.0.1:" + vport + " -s rr -p 300 -M 0.0.0.0 -o --pe sip",
                "-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:9 -m"));
    try (Processes ps = new Processes(dir.resolve("logs"));
        DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      Process p =
          ps.start(
              "fwd",
              pe4jWithHeap(
                  "48m",
                  "forward",
                  "--rules",
                  rules.toString(),
                  "--threads",
                  "1",
                  "--max-templates",
                  "100000000"));
      ps.awaitLog("fwd", "ready", 30);
      InetSocketAddress vip = new InetSocketAddress("127.0.0.1", vport);
      String pad = "x".repeat(200);
      long deadline = System.currentTimeMillis() + 120_000;
      int sent = 0;
      while (p.isAlive() && System.currentTimeMillis() < deadline) {
        for (int i = 0; i < 1000; i++) {
          byte[] m =
              ("INVITE sip:b SIP/2.0\r\nCall-ID: flood-" + sent++ + pad + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII);
          client.send(new DatagramPacket(m, m.length, vip));
        }
        Thread.sleep(5);
      }
      assertTrue(
          p.waitFor(30, TimeUnit.SECONDS),
          "still running after " + sent + " Call-IDs: " + ps.log("fwd"));
      assertEquals(3, p.exitValue(), ps.log("fwd"));
      assertTrue(
          ps.log("fwd").contains("pe4j: out of memory; exiting with status 3"), ps.log("fwd"));
    }
  }

  @Test
  void simulateOnAnEndlessInput_failsCleanly() {
    CliTest.Run r = CliTest.run("simulate", "/dev/zero");
    assertEquals(2, r.code());
    assertEquals("/dev/zero:1: a line longer than 262144 characters: not a script\n", r.err());
  }

  @Test
  void manyServices_restoreWhole() throws Exception {
    StringBuilder sb = new StringBuilder();
    for (int i = 0; i < 20_000; i++) {
      String vip = "10." + (i >> 16 & 255) + "." + (i >> 8 & 255) + "." + (i & 255) + ":5060";
      sb.append("-A -u ").append(vip).append(" -s rr\n");
      sb.append("-a -u ").append(vip).append(" -r 192.168.0.1:5060 -m -w 1\n");
    }
    Path rules = Files.writeString(dir.resolve("many"), sb.toString());
    CliTest.Run r = CliTest.run("ipvsadm", "--rules", rules.toString(), "-Sn");
    assertEquals(0, r.code(), r.err());
    assertEquals(40_000, r.out().lines().count());
  }
}
