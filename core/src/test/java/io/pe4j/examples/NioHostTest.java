package io.pe4j.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.Ipvs;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * README's host runs: SIP-like datagrams from three client sockets per call, through the host, to
 * two echo servers that answer with their name. With the seed's service line every call stays on
 * one server; the control without persistence splits calls.
 */
class NioHostTest {

  private static final int CALLS = 40;

  @Test
  void theReadmeHostKeepsEachCallOnOneServer() throws Exception {
    assertEquals(0, splitCalls("-p 60 -M 0.0.0.0 -o --pe sip"));
  }

  @Test
  void control_withoutPersistenceCallsSplit() throws Exception {
    assertTrue(splitCalls("-o") > CALLS / 2);
  }

  private static int splitCalls(String persistence) throws Exception {
    List<DatagramSocket> servers = new ArrayList<>();
    for (int i = 0; i < 2; i++) {
      DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
      servers.add(s);
      String name = "rs" + i + " ";
      Thread t =
          new Thread(
              () -> {
                byte[] b = new byte[2048];
                try {
                  while (true) {
                    DatagramPacket p = new DatagramPacket(b, b.length);
                    s.receive(p);
                    byte[] out =
                        (name + new String(b, 0, p.getLength(), StandardCharsets.ISO_8859_1))
                            .getBytes(StandardCharsets.ISO_8859_1);
                    s.send(new DatagramPacket(out, out.length, p.getSocketAddress()));
                  }
                } catch (java.io.IOException e) {
                  // closed
                }
              });
      t.setDaemon(true);
      t.start();
    }
    Ipvs ipvs = Ipvs.builder().build();
    Map<String, Set<String>> answeredBy = new HashMap<>();
    try (NioHost host = new NioHost(ipvs, new InetSocketAddress("127.0.0.1", 0))) {
      Thread loop =
          new Thread(
              () -> {
                try {
                  host.run();
                } catch (java.io.IOException | java.nio.channels.ClosedSelectorException e) {
                  // closed
                }
              });
      loop.setDaemon(true);
      loop.start();
      int port = host.address().getPort();
      ipvs.ipvsadm("-A -u 127.0.0.1:" + port + " -s rr " + persistence);
      for (DatagramSocket s : servers) {
        ipvs.ipvsadm("-a -u 127.0.0.1:" + port + " -r 127.0.0.1:" + s.getLocalPort() + " -m");
      }
      List<DatagramSocket> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
          c.setSoTimeout(2000);
          clients.add(c);
        }
        for (int call = 0; call < CALLS; call++) {
          String callId = "nio-" + call + "@example.com";
          for (DatagramSocket c : clients) {
            byte[] m =
                ("OPTIONS sip:b SIP/2.0\r\nCall-ID: " + callId + "\r\nCSeq: 1 OPTIONS\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            c.send(new DatagramPacket(m, m.length, host.address()));
            byte[] b = new byte[2048];
            DatagramPacket in = new DatagramPacket(b, b.length);
            try {
              c.receive(in);
            } catch (SocketTimeoutException e) {
              throw new AssertionError("no reply for " + callId, e);
            }
            assertEquals(host.address(), in.getSocketAddress(), "a reply from the virtual address");
            String reply = new String(b, 0, in.getLength(), StandardCharsets.ISO_8859_1);
            answeredBy.computeIfAbsent(callId, k -> new HashSet<>()).add(reply.substring(0, 3));
          }
        }
      } finally {
        clients.forEach(DatagramSocket::close);
      }
    } finally {
      servers.forEach(DatagramSocket::close);
    }
    assertEquals(CALLS, answeredBy.size());
    return (int) answeredBy.values().stream().filter(s -> s.size() > 1).count();
  }
}
