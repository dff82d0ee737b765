package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.forwarder.sip.DemoRun;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * {@code pe4j forward --template-store caffeine|table}: each store keeps every datagram of a call
 * on one server, whichever client socket sends it; the control (no persistence) splits calls.
 */
class TemplateStoreEndToEndTest {

  private static final int CALLS = 60;

  @Test
  void bothStoresKeepEachCallOnOneServer() throws Exception {
    for (String store : List.of("caffeine", "table")) {
      assertEquals(0, splitCalls(store, "-p 60 -M 0.0.0.0 -o --pe sip"), store);
    }
  }

  @Test
  void control_withoutPersistenceCallsSplit() throws Exception {
    assertTrue(splitCalls("caffeine", "-o") > CALLS / 2, "rr without -p must split calls");
  }

  @Test
  void anUnknownStoreIsRefusedWithTheChoices() {
    CliTest.Run r = CliTest.run("forward", "--rules", "/dev/null", "--template-store", "hashmap");
    assertEquals(2, r.code());
    assertEquals("pe4j forward: --template-store: 'hashmap' is not caffeine or table\n", r.err());
  }

  /** Sends each call's three datagrams from three client sockets; returns calls answered by >1. */
  private static int splitCalls(String store, String persistence) throws Exception {
    try (Processes ps = new Processes(Path.of("target", "e2e-logs", "template-store-" + store));
        CallDriver.Echo echo = new CallDriver.Echo(3)) {
      int vport = DemoRun.freePort();
      List<String> rules = new ArrayList<>();
      rules.add("-A -u 127.0.0.1:" + vport + " -s rr " + persistence);
      for (int port : echo.ports()) {
        rules.add("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + port + " -m");
      }
      Path file = Files.write(ps.logs().resolve("rules"), rules);
      Process fwd =
          ps.pe4j(
              "fwd",
              "forward",
              "--rules",
              file.toString(),
              "--threads",
              "1",
              "--template-store",
              store);
      ps.awaitLog("fwd", "ready", 30);
      InetSocketAddress vip = new InetSocketAddress("127.0.0.1", vport);
      Map<String, Set<String>> servers = new HashMap<>();
      List<DatagramSocket> clients = new ArrayList<>();
      try {
        for (int i = 0; i < 3; i++) {
          DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
          c.setSoTimeout(2000);
          clients.add(c);
        }
        for (int call = 0; call < CALLS; call++) {
          String callId = store + "-" + call + "@example.com";
          for (DatagramSocket c : clients) {
            byte[] m =
                ("OPTIONS sip:b SIP/2.0\r\nCall-ID: " + callId + "\r\nCSeq: 1 OPTIONS\r\n\r\n")
                    .getBytes(StandardCharsets.US_ASCII);
            c.send(new DatagramPacket(m, m.length, vip));
            byte[] b = new byte[2048];
            DatagramPacket in = new DatagramPacket(b, b.length);
            try {
              c.receive(in);
            } catch (SocketTimeoutException e) {
              throw new AssertionError("no reply for " + callId + ": " + ps.log("fwd"), e);
            }
            String reply = new String(b, 0, in.getLength(), StandardCharsets.ISO_8859_1);
            servers
                .computeIfAbsent(callId, k -> new HashSet<>())
                .add(reply.substring(0, reply.indexOf(' ')));
          }
        }
      } finally {
        clients.forEach(DatagramSocket::close);
      }
      assertEquals(0, Processes.stop(fwd), ps.log("fwd"));
      return (int) servers.values().stream().filter(s -> s.size() > 1).count();
    }
  }
}
