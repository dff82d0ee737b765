package io.pe4j.cli;

import io.pe4j.forwarder.sip.DemoRun;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;

/** Free loopback ports for end-to-end tests. */
final class Loopback {
  private Loopback() {}

  /** A UDP port free on 127.0.0.1 now. */
  static int freeUdpPort() throws IOException {
    return DemoRun.freePort();
  }

  /** A TCP port free on 127.0.0.1 now. */
  static int freeTcpPort() throws IOException {
    try (ServerSocket s = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
      return s.getLocalPort();
    }
  }

  /**
   * A cluster member port free on 127.0.0.1 now, with failure detection's port + 100 free too,
   * below the ephemeral range (32768 and up on Linux): an ephemeral port can be taken, between the
   * choice and the bind, by another member's outgoing connection.
   */
  static int freeClusterPort() throws IOException {
    java.util.concurrent.ThreadLocalRandom random =
        java.util.concurrent.ThreadLocalRandom.current();
    for (int attempt = 0; attempt < 200; attempt++) {
      int port = 20_000 + random.nextInt(12_000);
      try (ServerSocket a = new ServerSocket(port, 1, InetAddress.getByName("127.0.0.1"));
          ServerSocket b = new ServerSocket(port + 100, 1, InetAddress.getByName("127.0.0.1"))) {
        return port;
      } catch (IOException taken) {
        // another one
      }
    }
    throw new IOException("no free cluster port pair in 20000..32099");
  }

  /**
   * A UDP server on 127.0.0.1 that answers each datagram with {@code reply} of its bytes (nothing
   * when that gives null), on a daemon thread, until the socket is closed.
   */
  static java.net.DatagramSocket udpServer(
      java.util.function.Function<byte[], byte @org.jspecify.annotations.Nullable []> reply)
      throws IOException {
    java.net.DatagramSocket s =
        new java.net.DatagramSocket(new java.net.InetSocketAddress("127.0.0.1", 0));
    Thread t =
        new Thread(
            () -> {
              byte[] buf = new byte[65_536];
              while (!s.isClosed()) {
                try {
                  java.net.DatagramPacket p = new java.net.DatagramPacket(buf, buf.length);
                  s.receive(p);
                  byte[] answer = reply.apply(java.util.Arrays.copyOf(buf, p.getLength()));
                  if (answer != null) {
                    s.send(
                        new java.net.DatagramPacket(answer, answer.length, p.getSocketAddress()));
                  }
                } catch (IOException closed) {
                  return;
                }
              }
            },
            "udp-server-" + s.getLocalPort());
    t.setDaemon(true);
    t.start();
    return s;
  }
}
