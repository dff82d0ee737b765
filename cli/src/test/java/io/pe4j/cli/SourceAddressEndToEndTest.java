package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * Full NAT on several hosts sharing a virtual address: {@code --source-address} makes a node send
 * to the real servers from an address of its own, so that their replies come back to it. The server
 * sees that address; the client's reply still comes from the virtual address. The control, without
 * the option, shows the server sees the virtual address (what would reach another host).
 */
class SourceAddressEndToEndTest {

  @Test
  void serversSeeTheNodesOwnSourceAddressAndClientsTheVirtualOne() throws Exception {
    assertEquals("127.0.0.5", serverSaw(List.of("--source-address", "127.0.0.5")));
  }

  @Test
  void withoutItServersSeeTheVirtualAddress_control() throws Exception {
    assertEquals("127.0.0.1", serverSaw(List.of()));
  }

  /** Runs one request through a node; returns the source address the server saw. */
  private static String serverSaw(List<String> extra) throws Exception {
    try (Processes p = new Processes(Path.of("target", "source-address"));
        DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      int vport = Loopback.freeUdpPort();
      Path rules = p.logs().resolve("rules-" + vport);
      Files.writeString(
          rules,
          "-A -u 127.0.0.1:"
              + vport
              + " -s rr -p 60 -M 0.0.0.0 -o --pe sip\n-a -u 127.0.0.1:"
              + vport
              + " -r 127.0.0.1:"
              + server.getLocalPort()
              + " -m\n");
      String name = "node-" + vport;
      List<String> args =
          new java.util.ArrayList<>(List.of("forward", "--rules", rules.toString()));
      args.addAll(extra);
      Process node = p.pe4jWith(name, List.of("-Xmx128m"), args.toArray(String[]::new));
      try {
        p.awaitLog(name, "ready", 60);
        byte[] invite =
            "INVITE sip:x@example.com SIP/2.0\r\nCall-ID: source-1\r\nContent-Length: 0\r\n\r\n"
                .getBytes(StandardCharsets.ISO_8859_1);
        client.send(
            new DatagramPacket(invite, invite.length, new InetSocketAddress("127.0.0.1", vport)));
        server.setSoTimeout(5000);
        DatagramPacket in = new DatagramPacket(new byte[2048], 2048);
        server.receive(in);
        server.send(new DatagramPacket(in.getData(), in.getLength(), in.getSocketAddress()));
        client.setSoTimeout(5000);
        DatagramPacket reply = new DatagramPacket(new byte[2048], 2048);
        client.receive(reply);
        assertEquals(
            new InetSocketAddress(InetAddress.getByName("127.0.0.1"), vport),
            reply.getSocketAddress(),
            "the client's reply comes from the virtual address");
        return ((InetSocketAddress) in.getSocketAddress()).getAddress().getHostAddress();
      } finally {
        Processes.stop(node);
      }
    }
  }
}
