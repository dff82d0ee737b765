package io.pe4j.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.Ipvs;
import io.pe4j.forwarder.sip.DemoRun;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Transparent mode's configuration and refusals in this process; the routing end to end is in the
 * cli's TransparentEndToEndTest (network namespaces, Kamailio, SIPp).
 */
class TransparentModeTest {

  @Test
  void tproxyPort_outOfRange_isRefused() {
    Forwarder.Builder b = Forwarder.builder(Ipvs.builder().build());
    assertThrows(IllegalArgumentException.class, () -> b.transparent(0));
    assertThrows(IllegalArgumentException.class, () -> b.transparent(65_536));
  }

  @Test
  void withoutEpoll_refusesToStart_sayingWhy() {
    Ipvs ipvs = Ipvs.builder().build();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () -> Forwarder.builder(ipvs).nio().transparent(DemoRun.freePort()).build().start());
    assertTrue(
        String.valueOf(e.getMessage()).contains("transparent mode needs Linux with Netty's epoll"),
        e.getMessage());
  }

  @Test
  void onIoUring_refusesToStart_namingTheTransportThatCan() {
    Ipvs ipvs = Ipvs.builder().build();
    IllegalStateException e =
        assertThrows(
            IllegalStateException.class,
            () ->
                Forwarder.builder(ipvs)
                    .transport("io_uring")
                    .transparent(DemoRun.freePort())
                    .build()
                    .start());
    assertTrue(
        String.valueOf(e.getMessage()).contains("IP_RECVORIGDSTADDR")
            && String.valueOf(e.getMessage()).contains("use --transport epoll"),
        e.getMessage());
  }

  @Test
  void anUnknownTransport_isRefusedWithTheNames() {
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> Forwarder.builder(Ipvs.builder().build()).transport("dpdk"));
    assertTrue(
        String.valueOf(e.getMessage()).contains("'dpdk' is not one of epoll, io_uring, nio"),
        e.getMessage());
  }

  @Test
  void bindsIpv4ServicesOnly_andCountsAServerDatagramWithNoOriginalDestination() throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int vport = DemoRun.freePort();
    int tproxy = DemoRun.freePort();
    ipvs.ipvsadm("-A -u 127.0.0.1:" + vport + " -s rr");
    ipvs.ipvsadm("-A -u [::1]:" + vport + " -s rr");
    if (!TransparentCheck.capability().ok()) { // not root: the refusal is what a user meets
      IllegalStateException e =
          assertThrows(
              IllegalStateException.class,
              () -> Forwarder.builder(ipvs).threads(1).transparent(tproxy).build().start());
      assertTrue(String.valueOf(e.getMessage()).contains("needs CAP_NET_ADMIN"), e.getMessage());
      return;
    }
    // as root (CI): IP_TRANSPARENT can be set on loopback without any routing
    try (Forwarder f = Forwarder.builder(ipvs).threads(1).transparent(tproxy).build().start()) {
      assertTrue(f.isTransparent());
      assertEquals(List.of(new InetSocketAddress("127.0.0.1", vport)), f.boundAddresses());
      // a datagram sent to the TPROXY port itself (no TPROXY rule): its original destination is
      // the socket's own address, no client; counted, not thrown
      try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
        byte[] b =
            "SIP/2.0 200 OK\r\nCall-ID: x\r\n\r\n"
                .getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        s.send(new DatagramPacket(b, b.length, new InetSocketAddress("127.0.0.1", tproxy)));
      }
      long deadline = System.nanoTime() + 5_000_000_000L;
      while (f.stats().serverDatagrams() < 1 && System.nanoTime() < deadline) {
        Thread.sleep(20);
      }
      Thread.sleep(100);
      assertEquals(1, f.stats().serverDatagrams());
      assertEquals(0, f.stats().returned());
      assertEquals(
          1L,
          f.stats().replyDrops().values().stream().mapToLong(Long::longValue).sum(),
          f.stats().replyDrops().toString());
    }
  }

  /**
   * A client on the balancer itself: its address and port are a local socket already, so the
   * session's transparent socket cannot take them; the datagram is counted with the reason, the
   * next one tries again, nothing is thrown.
   */
  @Test
  void clientOnTheBalancerItself_isCountedAsAnUpstreamFailure() throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    int vport = DemoRun.freePort();
    if (!TransparentCheck.capability().ok()) { // not root: what a user meets is the refusal
      assertThrows(
          IllegalStateException.class,
          () -> Forwarder.builder(ipvs).transparent(DemoRun.freePort()).build().start());
      return;
    }
    try (DatagramSocket real = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      ipvs.ipvsadm("-A -u 127.0.0.1:" + vport + " -s rr");
      ipvs.ipvsadm("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + real.getLocalPort() + " -m");
      try (Forwarder f =
              Forwarder.builder(ipvs).threads(1).transparent(DemoRun.freePort()).build().start();
          DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
        byte[] b = "ping".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
        for (int i = 0; i < 3; i++) {
          client.send(new DatagramPacket(b, b.length, new InetSocketAddress("127.0.0.1", vport)));
        }
        long deadline = System.nanoTime() + 5_000_000_000L;
        while (f.stats().drops().values().stream().mapToLong(Long::longValue).sum() < 3
            && System.nanoTime() < deadline) {
          Thread.sleep(20);
        }
        assertEquals(3, f.stats().clientDatagrams());
        assertEquals(0, f.stats().forwarded());
        assertEquals(
            java.util.Map.of("upstream socket failed: the address is already in use", 3L),
            f.stats().drops());
      }
    }
  }
}
