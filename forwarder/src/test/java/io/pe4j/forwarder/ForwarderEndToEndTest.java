package io.pe4j.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.util.ResourceLeakDetector;
import io.netty.util.ResourceLeakDetectorFactory;
import io.pe4j.core.Ipvs;
import io.pe4j.forwarder.sip.DemoRun;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * The demo's client and servers against the forwarder, on loopback; Netty's leak detector at
 * PARANOID.
 */
class ForwarderEndToEndTest {

  static final List<String> LEAKS = new CopyOnWriteArrayList<>();

  /** Records every leak report instead of only logging it. */
  static final class RecordingFactory extends ResourceLeakDetectorFactory {
    @Override
    public <T> ResourceLeakDetector<T> newResourceLeakDetector(
        Class<T> resource, int samplingInterval, long maxActive) {
      return new ResourceLeakDetector<T>(resource, samplingInterval) {
        @Override
        protected void reportTracedLeak(String resourceType, String records) {
          LEAKS.add(resourceType + records);
        }

        @Override
        protected void reportUntracedLeak(String resourceType) {
          LEAKS.add(resourceType);
        }
      };
    }
  }

  @BeforeAll
  static void paranoid() {
    ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.PARANOID);
    ResourceLeakDetectorFactory.setResourceLeakDetectorFactory(new RecordingFactory());
  }

  @AfterAll
  static void noLeaks() throws InterruptedException {
    for (int i = 0; i < 5; i++) {
      System.gc();
      Thread.sleep(100);
      io.netty.buffer.PooledByteBufAllocator.DEFAULT
          .directBuffer(64)
          .release(); // lets the detector report
    }
    assertEquals(List.of(), LEAKS, "Netty reported leaked buffers");
  }

  @Test
  @org.junit.jupiter.api.Order(0)
  void leakDetector_catchesADeliberateLeak() throws InterruptedException {
    leak();
    for (int i = 0; i < 50 && LEAKS.isEmpty(); i++) {
      System.gc();
      Thread.sleep(20);
      io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(64).release();
    }
    assertTrue(
        !LEAKS.isEmpty(), "the recording leak detector saw nothing: the leak check would be blind");
    LEAKS.clear();
  }

  private static void leak() {
    io.netty.buffer.ByteBuf b = io.netty.buffer.PooledByteBufAllocator.DEFAULT.directBuffer(16);
    b.writeInt(42); // never released
  }

  @Test
  void withTheSipEngine_noCallSplits_spreadIsEven_repliesReachTheirClients() throws Exception {
    DemoRun.Result r = DemoRun.run("-s rr -p 60 -M 0.0.0.0 -o --pe sip", 600, 3, 2, n -> {});
    assertEquals(600, r.client().completed(), r.toString());
    assertEquals(0, r.client().failed());
    assertEquals(0, r.splitCalls());
    assertEquals(0, r.deadCallMessages());
    for (int calls : r.callsPerServer().values()) {
      assertTrue(
          Math.abs(calls - 200) <= 20, "each server within 10% of a third: " + r.callsPerServer());
    }
  }

  @Test
  void withoutTheEngine_callsSplit() throws Exception {
    DemoRun.Result r = DemoRun.run("-s rr -o", 150, 3, 2, n -> {});
    assertTrue(
        r.splitCalls() > 50, "one-packet scheduling alone must split calls: " + r.splitCalls());
    assertTrue(r.deadCallMessages() > 0);
  }

  @Test
  void nioTransport_worksToo() throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int vport = DemoRun.freePort();
    try (DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      ipvs.ipvsadm("-A -u 127.0.0.1:" + vport + " -s rr -p 60 --pe sip -o");
      ipvs.ipvsadm("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + server.getLocalPort() + " -m");
      try (Forwarder f = Forwarder.builder(ipvs).nio().threads(1).build().start();
          DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
        assertTrue(!f.isEpoll());
        byte[] invite = invite("nio@h");
        client.send(
            new DatagramPacket(invite, invite.length, new InetSocketAddress("127.0.0.1", vport)));
        server.setSoTimeout(5000);
        DatagramPacket got = new DatagramPacket(new byte[2048], 2048);
        server.receive(got);
        assertEquals(
            new String(invite, StandardCharsets.US_ASCII),
            new String(got.getData(), 0, got.getLength(), StandardCharsets.US_ASCII));
        byte[] reply =
            "SIP/2.0 200 OK\r\nCall-ID: nio@h\r\nCSeq: 1 INVITE\r\n\r\n"
                .getBytes(StandardCharsets.US_ASCII);
        server.send(new DatagramPacket(reply, reply.length, got.getSocketAddress()));
        client.setSoTimeout(5000);
        DatagramPacket back = new DatagramPacket(new byte[2048], 2048);
        client.receive(back);
        assertEquals(vport, back.getPort(), "the reply comes from the virtual service");
      }
    }
  }

  @Test
  void garbageAndKeepAlives_areCountedByReason_andTheForwarderKeepsRunning() throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int vport = DemoRun.freePort();
    try (DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      ipvs.ipvsadm(
          "-A -u 127.0.0.1:" + vport + " -s rr -p 60 -M 0.0.0.0 --pe sip -o --pe-failure drop");
      ipvs.ipvsadm("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + server.getLocalPort() + " -m");
      try (Forwarder f = Forwarder.builder(ipvs).threads(2).build().start();
          DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
        long seed = System.nanoTime();
        System.out.println("garbage seed=" + seed);
        Random random = new Random(seed);
        InetSocketAddress vip = new InetSocketAddress("127.0.0.1", vport);
        for (int i = 0; i < 200; i++) {
          byte[] junk = new byte[1 + random.nextInt(1400)];
          random.nextBytes(junk);
          junk[0] =
              (byte) random.nextInt(0x0a); // a control byte, not CR or LF: never a SIP start line
          client.send(new DatagramPacket(junk, junk.length, vip));
          byte[] crlf = "\r\n\r\n".getBytes(StandardCharsets.US_ASCII);
          client.send(new DatagramPacket(crlf, crlf.length, vip));
        }
        byte[] invite = invite("after-garbage@h");
        client.send(new DatagramPacket(invite, invite.length, vip));
        server.setSoTimeout(5000);
        DatagramPacket got = new DatagramPacket(new byte[2048], 2048);
        server.receive(got);
        assertTrue(
            new String(got.getData(), 0, got.getLength(), StandardCharsets.US_ASCII)
                .contains("after-garbage@h"));
        long deadline = System.currentTimeMillis() + 5000;
        while (f.stats().clientDatagrams() < 401 && System.currentTimeMillis() < deadline) {
          Thread.sleep(20);
        }
        assertEquals(401, f.stats().clientDatagrams());
        assertEquals(200L, f.stats().drops().get("empty or keep-alive"));
        assertEquals(200L, f.stats().drops().get("not SIP"));
        assertEquals(200L, ipvs.services().get(0).engineFailures().get("empty or keep-alive"));
      }
    }
  }

  @Test
  void sessionTable_isBounded() throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int vport = DemoRun.freePort();
    try (DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      ipvs.ipvsadm("-A -u 127.0.0.1:" + vport + " -s rr -o");
      ipvs.ipvsadm("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + server.getLocalPort() + " -m");
      try (Forwarder f = Forwarder.builder(ipvs).threads(1).maxSessions(2).build().start()) {
        for (int i = 0; i < 3; i++) {
          try (DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
            c.send(
                new DatagramPacket(new byte[] {1}, 1, new InetSocketAddress("127.0.0.1", vport)));
          }
        }
        long deadline = System.currentTimeMillis() + 5000;
        while (f.stats().clientDatagrams() < 3 && System.currentTimeMillis() < deadline) {
          Thread.sleep(20);
        }
        assertEquals(2, f.stats().sessions());
        assertEquals(1L, f.stats().drops().get("sessions full"));
      }
    }
  }

  static byte[] invite(String callId) {
    return ("INVITE sip:b@x SIP/2.0\r\nVia: SIP/2.0/UDP 127.0.0.1;branch=z9hG4bK1\r\nCall-ID: "
            + callId
            + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.US_ASCII);
  }
}
