package io.pe4j.forwarder;

import static org.junit.jupiter.api.Assertions.assertArrayEquals;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.core.Ipvs;
import io.pe4j.engine.sip.SipEngine;
import io.pe4j.forwarder.sip.DemoRun;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.BooleanSupplier;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

/**
 * What crosses the wire, through real sockets on loopback: whole datagrams, sessions per service,
 * services bound and released at run time, an address served by one process only, every datagram
 * forwarded or counted.
 */
class WireTest {

  @TempDir Path dir;

  /** A real server that echoes every datagram and remembers what it received. */
  static final class EchoServer implements AutoCloseable {
    final DatagramSocket socket;
    final AtomicLong received = new AtomicLong();
    final Map<String, Set<Integer>> portsByCallId = new ConcurrentHashMap<>();
    final Thread thread;
    volatile boolean echo = true;

    EchoServer(String host) throws Exception {
      socket = new DatagramSocket(new InetSocketAddress(host, 0));
      socket.setReceiveBufferSize(8 << 20);
      thread =
          new Thread(
              () -> {
                byte[] buf = new byte[65_536];
                while (!socket.isClosed()) {
                  DatagramPacket p = new DatagramPacket(buf, buf.length);
                  try {
                    socket.receive(p);
                    received.incrementAndGet();
                    String text =
                        new String(
                            p.getData(), p.getOffset(), p.getLength(), StandardCharsets.ISO_8859_1);
                    int at = text.indexOf("Call-ID: ");
                    if (at >= 0) {
                      String id = text.substring(at + 9, text.indexOf('\r', at));
                      portsByCallId
                          .computeIfAbsent(id, k -> ConcurrentHashMap.newKeySet())
                          .add(port());
                    }
                    if (echo) {
                      socket.send(
                          new DatagramPacket(
                              p.getData(), p.getOffset(), p.getLength(), p.getSocketAddress()));
                    }
                  } catch (java.io.IOException e) {
                    return;
                  }
                }
              });
      thread.setDaemon(true);
      thread.start();
    }

    int port() {
      return socket.getLocalPort();
    }

    @Override
    public void close() {
      socket.close();
    }
  }

  static void await(BooleanSupplier condition, String what) throws InterruptedException {
    long deadline = System.currentTimeMillis() + 10_000;
    while (!condition.getAsBoolean()) {
      if (System.currentTimeMillis() > deadline) {
        throw new AssertionError("timed out waiting for " + what);
      }
      Thread.sleep(20);
    }
  }

  static long sum(Map<String, Long> m) {
    return m.values().stream().mapToLong(Long::longValue).sum();
  }

  /**
   * Every size from 1 byte to the protocol maximum reaches the server whole and comes back whole,
   * over IPv4 and IPv6, on epoll, io_uring and NIO (before, anything past 2,048 bytes was cut).
   */
  @ParameterizedTest
  @CsvSource({
    "127.0.0.1, 65507, epoll",
    "127.0.0.1, 65507, io_uring",
    "127.0.0.1, 65507, nio",
    "::1, 65527, epoll",
    "::1, 65527, io_uring",
    "::1, 65527, nio"
  })
  void datagramsOfEverySize_crossWholeBothWays(String host, int max, String transport)
      throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int vport = DemoRun.freePort();
    String vip = IpAddress.parse(host).withPort(vport);
    try (EchoServer server = new EchoServer(host)) {
      String real = IpAddress.parse(host).withPort(server.port());
      ipvs.ipvsadm("-A -u " + vip + " -s rr");
      ipvs.ipvsadm("-a -u " + vip + " -r " + real + " -m");
      Forwarder.Builder b = Forwarder.builder(ipvs).threads(1);
      try (Forwarder f = b.transport(transport).build().start();
          DatagramSocket client = new DatagramSocket(new InetSocketAddress(host, 0))) {
        assertEquals(transport, f.transport());
        client.setSoTimeout(5000);
        client.setReceiveBufferSize(1 << 20);
        long seed = System.nanoTime();
        System.out.println("datagram sizes seed=" + seed);
        Random random = new Random(seed);
        int[] sizes = {
          1, 100, 2047, 2048, 2049, 3000, 4096, 9000, 16_384, 32_768, 65_000, max - 1, max
        };
        for (int size : sizes) {
          byte[] payload = new byte[size];
          random.nextBytes(payload);
          client.send(new DatagramPacket(payload, size, new InetSocketAddress(host, vport)));
          DatagramPacket back = new DatagramPacket(new byte[65_536], 65_536);
          client.receive(back);
          assertEquals(size, back.getLength(), "size " + size + " came back cut");
          assertArrayEquals(
              payload, Arrays.copyOf(back.getData(), back.getLength()), "size " + size);
          assertEquals(vport, back.getPort());
        }
        await(() -> f.stats().returned() == sizes.length, "returns");
        assertEquals(sizes.length, f.stats().forwarded());
        assertEquals(Map.of(), f.stats().drops());
      }
    }
  }

  /**
   * A burst of datagrams of every size, the largest among them, sent before any is read: the
   * forwarder reads several per system call (recvmmsg, a 64 KiB slot each) and sends them in
   * batches; every one must still cross whole, both ways.
   */
  @ParameterizedTest
  @CsvSource({"127.0.0.1, 65507", "::1, 65527"})
  void burstOfDatagramsOfEverySize_readInBatches_crossWhole(String host, int max) throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int vport = DemoRun.freePort();
    String vip = IpAddress.parse(host).withPort(vport);
    try (EchoServer server = new EchoServer(host)) {
      String real = IpAddress.parse(host).withPort(server.port());
      ipvs.ipvsadm("-A -u " + vip + " -s rr");
      ipvs.ipvsadm("-a -u " + vip + " -r " + real + " -m");
      try (Forwarder f = Forwarder.builder(ipvs).threads(1).build().start();
          DatagramSocket client = new DatagramSocket(new InetSocketAddress(host, 0))) {
        client.setSoTimeout(5000);
        client.setReceiveBufferSize(4 << 20);
        long seed = System.nanoTime();
        System.out.println("burst sizes seed=" + seed);
        Random random = new Random(seed);
        Map<Integer, byte[]> sent = new HashMap<>();
        List<Integer> sizes = new java.util.ArrayList<>(List.of(1, 2048, 2049, max - 1, max));
        while (sizes.size() < 40) {
          sizes.add(1 + random.nextInt(max));
        }
        for (int size : sizes) {
          if (sent.containsKey(size)) {
            continue;
          }
          byte[] payload = new byte[size];
          random.nextBytes(payload);
          sent.put(size, payload);
          client.send(new DatagramPacket(payload, size, new InetSocketAddress(host, vport)));
        }
        for (int i = 0; i < sent.size(); i++) {
          DatagramPacket back = new DatagramPacket(new byte[65_536], 65_536);
          client.receive(back);
          byte[] expected = sent.get(back.getLength());
          assertTrue(expected != null, "a datagram of " + back.getLength() + " bytes came back");
          assertArrayEquals(expected, Arrays.copyOf(back.getData(), back.getLength()));
        }
        await(() -> f.stats().returned() == sent.size(), "returns");
        assertEquals(sent.size(), f.stats().forwarded());
        assertEquals(Map.of(), f.stats().drops());
      }
    }
  }

  /** Sessions are per (service, client): replies leave from the port the client sent to. */
  @Test
  void oneClientOfTwoServices_getsEachReplyFromItsOwnService() throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int p1 = DemoRun.freePort();
    int p2 = DemoRun.freePort();
    try (EchoServer a = new EchoServer("127.0.0.1");
        EchoServer b = new EchoServer("127.0.0.1")) {
      ipvs.ipvsadm("-A -u 127.0.0.1:" + p1 + " -s rr");
      ipvs.ipvsadm("-a -u 127.0.0.1:" + p1 + " -r 127.0.0.1:" + a.port() + " -m");
      ipvs.ipvsadm("-A -u 127.0.0.1:" + p2 + " -s rr");
      ipvs.ipvsadm("-a -u 127.0.0.1:" + p2 + " -r 127.0.0.1:" + b.port() + " -m");
      try (Forwarder f = Forwarder.builder(ipvs).threads(2).build().start();
          DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
        client.setSoTimeout(5000);
        for (int round = 0; round < 3; round++) {
          for (int port : List.of(p1, p2)) {
            byte[] m = ("to " + port).getBytes(StandardCharsets.US_ASCII);
            client.send(new DatagramPacket(m, m.length, new InetSocketAddress("127.0.0.1", port)));
            DatagramPacket back = new DatagramPacket(new byte[100], 100);
            client.receive(back);
            assertEquals(port, back.getPort(), "the reply of service " + port);
            assertEquals(
                "to " + port,
                new String(back.getData(), 0, back.getLength(), StandardCharsets.US_ASCII));
          }
        }
        assertEquals(2, f.sessions());
      }
    }
  }

  /**
   * The forwarder follows the core's configuration itself: services an embedder adds through the
   * core (no admin socket) are bound, a batch of changes is bound once, deleted ones are released.
   */
  @Test
  void servicesChangedThroughTheCore_areBoundAndReleased() throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int p1 = DemoRun.freePort();
    int p2 = DemoRun.freePort();
    int p3 = DemoRun.freePort();
    try (EchoServer server = new EchoServer("127.0.0.1");
        Forwarder f = Forwarder.builder(ipvs).threads(1).build().start();
        DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      client.setSoTimeout(5000);
      assertEquals(List.of(), f.boundAddresses());
      ipvs.ipvsadm("-A -u 127.0.0.1:" + p1 + " -s rr");
      ipvs.ipvsadm("-a -u 127.0.0.1:" + p1 + " -r 127.0.0.1:" + server.port() + " -m");
      assertEquals(List.of(new InetSocketAddress("127.0.0.1", p1)), f.boundAddresses());
      ipvs.control()
          .batch(
              () -> {
                ipvs.ipvsadm("-A -u 127.0.0.1:" + p2 + " -s rr");
                ipvs.ipvsadm("-A -u 127.0.0.1:" + p3 + " -s rr");
                ipvs.ipvsadm("-D -u 127.0.0.1:" + p1);
              });
      assertEquals(
          java.util.Set.of(
              new InetSocketAddress("127.0.0.1", p2), new InetSocketAddress("127.0.0.1", p3)),
          java.util.Set.copyOf(f.boundAddresses()));
      ipvs.ipvsadm("-a -u 127.0.0.1:" + p2 + " -r 127.0.0.1:" + server.port() + " -m");
      byte[] m = {42};
      client.send(new DatagramPacket(m, 1, new InetSocketAddress("127.0.0.1", p2)));
      DatagramPacket back = new DatagramPacket(new byte[10], 10);
      client.receive(back);
      assertEquals(p2, back.getPort());
      try (DatagramSocket again = new DatagramSocket(new InetSocketAddress("127.0.0.1", p1))) {
        assertEquals(p1, again.getLocalPort()); // the deleted service's address is free again
      }
    }
  }

  /** Services added through the admin socket are bound, deleted ones released. */
  @Test
  void servicesAddedAtRunTime_areBound_deletedOnesReleased() throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int p1 = DemoRun.freePort();
    int p2 = DemoRun.freePort();
    try (EchoServer server = new EchoServer("127.0.0.1")) {
      ipvs.ipvsadm("-A -u 127.0.0.1:" + p1 + " -s rr");
      ipvs.ipvsadm("-a -u 127.0.0.1:" + p1 + " -r 127.0.0.1:" + server.port() + " -m");
      try (Forwarder f = Forwarder.builder(ipvs).threads(1).build().start();
          AdminServer admin = AdminServer.unix(dir.resolve("a.sock"), ipvs, f);
          DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
        client.setSoTimeout(5000);
        assertEquals(
            "", AdminClient.send(admin.address(), null, "-A -u 127.0.0.1:" + p2 + " -s rr"));
        assertEquals(
            "",
            AdminClient.send(
                admin.address(),
                null,
                "-a -u 127.0.0.1:" + p2 + " -r 127.0.0.1:" + server.port() + " -m"));
        assertTrue(f.boundAddresses().contains(new InetSocketAddress("127.0.0.1", p2)));
        byte[] m = {42};
        client.send(new DatagramPacket(m, 1, new InetSocketAddress("127.0.0.1", p2)));
        DatagramPacket back = new DatagramPacket(new byte[10], 10);
        client.receive(back);
        assertEquals(p2, back.getPort());
        assertEquals("", AdminClient.send(admin.address(), null, "-D -u 127.0.0.1:" + p1));
        assertEquals(List.of(new InetSocketAddress("127.0.0.1", p2)), f.boundAddresses());
        // the deleted service's address is free again
        try (DatagramSocket again = new DatagramSocket(new InetSocketAddress("127.0.0.1", p1))) {
          assertEquals(p1, again.getLocalPort());
        }
      }
    }
  }

  /** A second forwarder on an address already served refuses, unless both share it on purpose. */
  @Test
  void secondInstanceOnAServedAddress_refusesToStart_unlessSharing() throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int vport = DemoRun.freePort();
    ipvs.ipvsadm("-A -u 127.0.0.1:" + vport + " -s rr");
    ipvs.ipvsadm("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:9 -m");
    try (Forwarder first = Forwarder.builder(ipvs).threads(2).build().start()) {
      assertTrue(first.isEpoll(), "this check is about SO_REUSEPORT, which epoll uses");
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> Forwarder.builder(ipvs).threads(1).build().start());
      assertEquals(
          "cannot bind UDP 127.0.0.1:"
              + vport
              + ": the address is already in use (another pe4j forward? to share it between"
              + " processes on purpose, start each with --share-port)",
          e.getMessage());
    }
    try (Forwarder a = Forwarder.builder(ipvs).threads(1).sharePort(true).build().start();
        Forwarder b = Forwarder.builder(ipvs).threads(1).sharePort(true).build().start()) {
      assertEquals(a.boundAddresses(), b.boundAddresses());
    }
  }

  /**
   * A full session table: received = forwarded + counted drops, exactly; the servers get exactly
   * what was counted forwarded; InPkts counts what was sent.
   */
  @Test
  void fullSessionTable_everyDatagramForwardedOrCounted() throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int vport = DemoRun.freePort();
    try (EchoServer server = new EchoServer("127.0.0.1")) {
      server.echo = false;
      ipvs.ipvsadm("-A -u 127.0.0.1:" + vport + " -s rr");
      ipvs.ipvsadm("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + server.port() + " -m");
      try (Forwarder f = Forwarder.builder(ipvs).threads(2).maxSessions(50).build().start()) {
        int clients = 300;
        List<DatagramSocket> open = new java.util.ArrayList<>(); // distinct ports: open together
        try {
          for (int i = 0; i < clients; i++) {
            DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
            open.add(c);
            for (int k = 0; k < 3; k++) {
              c.send(
                  new DatagramPacket(
                      new byte[] {1, 2, 3}, 3, new InetSocketAddress("127.0.0.1", vport)));
            }
          }
        } finally {
          open.forEach(DatagramSocket::close);
        }
        await(() -> f.stats().clientDatagrams() == 3L * clients, "all datagrams received");
        await(
            () -> f.stats().forwarded() + sum(f.stats().drops()) == f.stats().clientDatagrams(),
            "received = forwarded + drops: " + f.stats().render());
        await(
            () -> server.received.get() == f.stats().forwarded(), "server got what was forwarded");
        assertEquals(150L, f.stats().forwarded());
        assertEquals(Map.of("sessions full", 750L), f.stats().drops());
        assertEquals(
            150L, ipvs.services().get(0).counters().inPackets(), "InPkts counts what was sent");
      }
    }
  }

  /** Datagrams lost in a full socket receive buffer show in the forwarder's counters. */
  @Test
  void kernelReceiveBufferDrops_areVisible() throws Exception {
    PersistenceEngine slow =
        new PersistenceEngine() {
          @Override
          public String name() {
            return "slow";
          }

          @Override
          public PeResult fillParam(ConnParam param, Datagram datagram) {
            try {
              Thread.sleep(2); // an event loop that cannot keep up
            } catch (InterruptedException e) {
              Thread.currentThread().interrupt();
            }
            return PeResult.noMatch("slow");
          }
        };
    Ipvs ipvs = Ipvs.builder().engines(new PersistenceEngines().register(slow)).build();
    int vport = DemoRun.freePort();
    ipvs.ipvsadm("-A -u 127.0.0.1:" + vport + " -s rr -p 60 --pe slow -o --pe-failure drop");
    ipvs.ipvsadm("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:9 -m");
    try (Forwarder f = Forwarder.builder(ipvs).threads(1).build().start();
        DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      long before = f.stats().socketReceiveDrops();
      byte[] big = new byte[1400];
      int sent = 20_000; // 28 MB into a 4 MB buffer drained at 500 datagrams/s
      for (int i = 0; i < sent; i++) {
        client.send(new DatagramPacket(big, big.length, new InetSocketAddress("127.0.0.1", vport)));
      }
      long drops = f.stats().socketReceiveDrops() - before;
      assertTrue(drops > 0, "no kernel drops seen: " + f.stats().render());
      assertTrue(f.stats().render().contains("socket receive drops"), f.stats().render());
      assertTrue(f.stats().clientDatagrams() + drops <= sent);
    }
  }

  /**
   * A flood of one-datagram Call-IDs at twice the template bound while calls of several datagrams
   * run: no call splits, because the flood's templates give way to each other. The control fills
   * the table with established keys instead: then new calls get no template and split.
   */
  @Test
  void floodOfOneDatagramCallIds_splitsNoCall() throws Exception {
    assertEquals(0, floodWhileCalling(false), "calls split under a one-datagram flood");
    assertTrue(floodWhileCalling(true) > 0, "control: a table full of established keys must split");
  }

  private int floodWhileCalling(boolean establishedFlood) throws Exception {
    Ipvs ipvs =
        Ipvs.builder()
            .engines(new PersistenceEngines().register(new SipEngine()))
            .maxTemplates(2000)
            .build();
    int vport = DemoRun.freePort();
    try (EchoServer s1 = new EchoServer("127.0.0.1");
        EchoServer s2 = new EchoServer("127.0.0.1");
        EchoServer s3 = new EchoServer("127.0.0.1")) {
      List<EchoServer> servers = List.of(s1, s2, s3);
      ipvs.ipvsadm("-A -u 127.0.0.1:" + vport + " -s rr -p 60 -M 0.0.0.0 -o --pe sip");
      for (EchoServer s : servers) {
        s.echo = false;
        ipvs.ipvsadm("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + s.port() + " -m");
      }
      try (Forwarder f = Forwarder.builder(ipvs).threads(1).build().start();
          DatagramSocket flood = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
          DatagramSocket caller = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
        InetSocketAddress vip = new InetSocketAddress("127.0.0.1", vport);
        int calls = 100;
        int floodKey = 0;
        for (int call = 0; call < calls; call++) {
          for (int k = 0; k < 5; k++) { // a call: five datagrams with flood in between
            byte[] m = invite("call-" + call);
            caller.send(new DatagramPacket(m, m.length, vip));
            for (int i = 0; i < 8; i++) { // 4,000 flood keys in all: twice the bound
              byte[] x = invite("flood-" + floodKey++);
              flood.send(new DatagramPacket(x, x.length, vip));
              if (establishedFlood) {
                flood.send(new DatagramPacket(x, x.length, vip));
              }
            }
            Thread.sleep(0, 200_000);
          }
        }
        await(
            () -> f.stats().clientDatagrams() == f.stats().forwarded() + sum(f.stats().drops()),
            "settled");
        Thread.sleep(200);
      }
      // which servers saw each call
      return splitCalls(servers, calls());
    }
  }

  private static int calls() {
    return 100;
  }

  /** Servers record Call-IDs per server port through a capture of what they received. */
  private static int splitCalls(List<EchoServer> servers, int calls) {
    Map<String, Set<Integer>> where = new HashMap<>();
    for (EchoServer s : servers) {
      s.portsByCallId.forEach(
          (id, ports) -> where.computeIfAbsent(id, k -> new HashSet<>()).addAll(ports));
    }
    int split = 0;
    for (int c = 0; c < calls; c++) {
      Set<Integer> at = where.get("call-" + c);
      if (at == null || at.size() != 1) {
        split++;
      }
    }
    return split;
  }

  static byte[] invite(String callId) {
    return ("INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nCall-ID: "
            + callId
            + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }
}
