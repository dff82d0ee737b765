package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.forwarder.sip.SipClient;
import io.pe4j.forwarder.sip.SipServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;

/**
 * {@code pe4j forward} with check lines: a SIP server that stops answering OPTIONS is quiesced and
 * new calls go to the other one, with none failed; it comes back; the admin socket shows it all.
 */
class HealthEndToEndTest {

  @Test
  void aSilentServerIsQuiescedThroughPe4jForwardAndComesBack() throws Exception {
    try (Processes ps = new Processes(Path.of("target", "health-e2e"));
        SipServer a = SipServer.start(new InetSocketAddress("127.0.0.1", 0), "a");
        SipServer b = SipServer.start(new InetSocketAddress("127.0.0.1", 0), "b")) {
      int vport = Loopback.freeUdpPort();
      String vip = "127.0.0.1:" + vport;
      String ra = "127.0.0.1:" + a.address().getPort();
      String rb = "127.0.0.1:" + b.address().getPort();
      Path rules = ps.logs().resolve("rules");
      Files.writeString(
          rules,
          "-A -u "
              + vip
              + " -s rr -p 60 -M 0.0.0.0 -o --pe sip\n"
              + "-a -u "
              + vip
              + " -r "
              + ra
              + " -m -w 1\n"
              + "-a -u "
              + vip
              + " -r "
              + rb
              + " -m -w 1\n"
              + "check -u "
              + vip
              + " -r "
              + ra
              + " sip-options interval=0.2 timeout=0.1 fall=2 rise=2\n"
              + "check -u "
              + vip
              + " -r "
              + rb
              + " sip-options interval=0.2 timeout=0.1 fall=2 rise=2\n");
      String admin = ps.logs().resolve("admin.sock").toString();
      Files.deleteIfExists(Path.of(admin));
      ps.pe4j(
          "forward", "forward", "--rules", rules.toString(), "--admin", admin, "--threads", "1");
      ps.awaitLog("forward", "ready", 60);
      b.silence(true);
      long until = System.nanoTime() + 5_000_000_000L;
      String list = "";
      while (System.nanoTime() < until) {
        list = CliTest.run("ipvsadm", "--admin", admin, "-Ln").out();
        if (list.matches("(?s).*-> " + rb.replace(".", "\\.") + " +Masq +0 .*")) {
          break;
        }
        Thread.sleep(50);
      }
      assertTrue(list.matches("(?s).*-> " + rb.replace(".", "\\.") + " +Masq +0 .*"), list);
      assertTrue(list.contains("Health checks:\n"), list);
      String exact = CliTest.run("ipvsadm", "--admin", admin, "-Ln", "--exact").out();
      assertTrue(exact.contains("Health checks:\n"), exact); // a 'c' in the line hid them once
      String conns = CliTest.run("ipvsadm", "--admin", admin, "-Lcn").out();
      assertTrue(!conns.contains("Health checks:"), conns);
      assertTrue(list.contains(rb + " sip-options") && list.contains("DOWN"), list);
      int before = a.calls().size();
      try (SipClient client = new SipClient(new InetSocketAddress("127.0.0.1", vport), 4, "h")) {
        SipClient.Result r = client.run(100, 4, "health-", n -> {});
        assertEquals(100, r.completed(), "no call fails while b is out");
      }
      assertEquals(before + 100, a.calls().size(), "new calls all went to a");
      b.silence(false);
      until = System.nanoTime() + 5_000_000_000L;
      while (System.nanoTime() < until
          && !CliTest.run("ipvsadm", "--admin", admin, "-Ln")
              .out()
              .matches("(?s).*-> " + rb.replace(".", "\\.") + " +Masq +1 .*")) {
        Thread.sleep(50);
      }
      CliTest.Run checks = CliTest.run("ipvsadm", "--admin", admin, "check", "-L");
      assertTrue(
          checks.out().contains("UP") && checks.out().contains("down 1  up 1"), checks.out());
      // checks change through the admin socket
      assertEquals(
          0, CliTest.run("ipvsadm", "--admin", admin, "check", "-d", "-u", vip, "-r", rb).code());
      assertTrue(!CliTest.run("ipvsadm", "--admin", admin, "check", "-L").out().contains(rb));
      CliTest.Run bad =
          CliTest.run("ipvsadm", "--admin", admin, "check", "-u", vip, "-r", rb, "ping");
      assertEquals(Pe4j.USAGE, bad.code());
      assertTrue(bad.err().contains("unknown word 'ping'"), bad.err());
    }
  }

  @Test
  void withoutChecksCallsToTheSilentServerFail_control() throws Exception {
    try (Processes ps = new Processes(Path.of("target", "health-e2e-control"));
        SipServer a = SipServer.start(new InetSocketAddress("127.0.0.1", 0), "a");
        SipServer b = SipServer.start(new InetSocketAddress("127.0.0.1", 0), "b")) {
      int vport = Loopback.freeUdpPort();
      String vip = "127.0.0.1:" + vport;
      Path rules = ps.logs().resolve("rules");
      Files.writeString(
          rules,
          "-A -u "
              + vip
              + " -s rr -p 60 -M 0.0.0.0 -o --pe sip\n"
              + "-a -u "
              + vip
              + " -r 127.0.0.1:"
              + a.address().getPort()
              + " -m -w 1\n"
              + "-a -u "
              + vip
              + " -r 127.0.0.1:"
              + b.address().getPort()
              + " -m -w 1\n");
      ps.pe4j("forward", "forward", "--rules", rules.toString(), "--threads", "1");
      ps.awaitLog("forward", "ready", 60);
      b.silence(true);
      try (SipClient client = new SipClient(new InetSocketAddress("127.0.0.1", vport), 4, "c")) {
        SipClient.Result r = client.run(8, 8, "control-", n -> {});
        assertTrue(r.failed() >= 2, "calls to the silent server fail: " + r);
      }
    }
  }
}
