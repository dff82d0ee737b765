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
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

/**
 * {@code kill -HUP} reloads a running {@code pe4j forward} instead of killing it: the process
 * stays, a service added to the file is bound and forwards, and the admin line {@code --reload}
 * does the same. Control: a JVM without pe4j's handler dies of the same signal (exit 129).
 */
class ReloadEndToEndTest {

  private static void hup(Process p) throws Exception {
    Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(p.pid())).start();
    assertEquals(0, kill.waitFor());
  }

  @Test
  void sighupReloadsTheRulesAndTheProcessStays() throws Exception {
    try (Processes procs = new Processes(Path.of("target", "reload-e2e"));
        DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      Thread echo =
          new Thread(
              () -> {
                byte[] b = new byte[2048];
                try {
                  while (true) {
                    DatagramPacket p = new DatagramPacket(b, b.length);
                    server.receive(p);
                    server.send(new DatagramPacket(b, p.getLength(), p.getSocketAddress()));
                  }
                } catch (java.io.IOException e) {
                  // closed
                }
              });
      echo.setDaemon(true);
      echo.start();
      client.setSoTimeout(5000);
      int p1 = DemoRun.freePort();
      int p2 = DemoRun.freePort();
      String rs = "127.0.0.1:" + server.getLocalPort();
      Path rules = procs.logs().resolve("rules");
      Files.writeString(
          rules, "-A -u 127.0.0.1:" + p1 + " -s rr\n-a -u 127.0.0.1:" + p1 + " -r " + rs + " -m\n");
      Path sock = procs.logs().resolve("admin.sock");
      Files.deleteIfExists(sock);
      Process fwd =
          procs.pe4j(
              "forward",
              "forward",
              "--rules",
              rules.toString(),
              "--threads",
              "1",
              "--admin",
              sock.toString());
      procs.awaitLog("forward", "ready", 30);

      // control: the same signal kills a JVM without pe4j's handler
      Process plain =
          procs.start(
              "plain",
              List.of(
                  Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                  "-cp",
                  System.getProperty("java.class.path"),
                  HangupControl.class.getName()));
      procs.awaitLog("plain", "waiting", 30);
      hup(plain);
      assertTrue(plain.waitFor(10, TimeUnit.SECONDS), "the control JVM survived SIGHUP");
      assertEquals(129, plain.exitValue());

      hup(fwd);
      procs.awaitLog("forward", "reload: no change", 10);
      Files.writeString(
          rules,
          "-A -u 127.0.0.1:"
              + p1
              + " -s rr\n-a -u 127.0.0.1:"
              + p1
              + " -r "
              + rs
              + " -m\n-A -u 127.0.0.1:"
              + p2
              + " -s rr\n-a -u 127.0.0.1:"
              + p2
              + " -r "
              + rs
              + " -m\n");
      hup(fwd);
      procs.awaitLog("forward", "reload: -A -u 127.0.0.1:" + p2 + " -s rr", 10);
      assertTrue(fwd.isAlive());
      for (int port : new int[] {p1, p2}) {
        byte[] m = ("hello " + port).getBytes(StandardCharsets.US_ASCII);
        client.send(new DatagramPacket(m, m.length, new InetSocketAddress("127.0.0.1", port)));
        DatagramPacket back = new DatagramPacket(new byte[64], 64);
        client.receive(back);
        assertEquals(port, back.getPort());
        assertEquals("hello " + port, new String(back.getData(), 0, back.getLength()));
      }
      String answer = AdminClient.send(UnixDomainSocketAddress.of(sock), null, "--reload");
      assertEquals("reload: no change\n", answer);
      assertEquals(0, Processes.stop(fwd));
      assertTrue(
          procs.log("forward").contains("reloads: 3 applied, 0 refused"), procs.log("forward"));
    }
  }
}
