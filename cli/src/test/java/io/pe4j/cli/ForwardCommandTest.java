package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.forwarder.sip.DemoRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import org.junit.jupiter.api.Test;

/** pe4j forward as a process, pe4j ipvsadm --admin against it, and the demo. */
class ForwardCommandTest {

  @Test
  void badForwarderOptions_areRefusedBeforeTheWarmUp() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "e2e-logs", "forward-refused"));
    Path rules =
        Files.write(
            dir.resolve("rules"),
            List.of("-A -u 127.0.0.1:29999 -s rr", "-a -u 127.0.0.1:29999 -r 127.0.0.1:29998 -m"));
    // the default warm-up (50,000 round trips, seconds) would run first, then the refusal
    CliTest.Run transport =
        CliTest.run("forward", "--rules", rules.toString(), "--transport", "dpdk");
    assertEquals(Pe4j.USAGE, transport.code());
    assertTrue(
        transport.err().contains("'dpdk' is not one of epoll, io_uring, nio"), transport.err());
    assertTrue(!transport.out().contains("warm-up"), transport.out());
    CliTest.Run source =
        CliTest.run("forward", "--rules", rules.toString(), "--source-address", "nope");
    assertEquals(Pe4j.USAGE, source.code());
    assertTrue(
        source.err().contains("--source-address: 'nope' is not an IP address"), source.err());
    assertTrue(!source.out().contains("warm-up"), source.out());
  }

  @Test
  void forward_printsReady_answersTheAdminEndpoint_andExitsZeroOnSigterm() throws Exception {
    try (Processes ps = new Processes(Path.of("target", "e2e-logs", "forward"))) {
      int vport = DemoRun.freePort();
      String admin = ps.logs().resolve("admin.sock").toString();
      Path rules =
          Files.write(
              ps.logs().resolve("rules"),
              List.of(
                  "-A -u 127.0.0.1:" + vport + " -s rr -p 60 -M 0.0.0.0 -o --pe sip",
                  "-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + DemoRun.freePort() + " -m -w 1"));
      Process fwd =
          ps.pe4j(
              "forward",
              "forward",
              "--rules",
              rules.toString(),
              "--admin",
              admin,
              "--threads",
              "1");
      ps.awaitLog("forward", "ready", 30);
      CliTest.Run list = CliTest.run("ipvsadm", "--admin", admin, "-Ln");
      assertEquals(0, list.code(), list.err());
      assertTrue(
          list.out()
              .contains("UDP  127.0.0.1:" + vport + " rr persistent 60 mask 0.0.0.0 pe sip ops"),
          list.out());
      CliTest.Run bad =
          CliTest.run(
              "ipvsadm",
              "--admin",
              admin,
              "-e",
              "-u",
              "127.0.0.1:" + vport,
              "-r",
              "10.9.9.9",
              "-m");
      assertEquals(2, bad.code());
      assertEquals("No such destination\n", bad.err());
      assertEquals(0, Processes.stop(fwd), ps.log("forward"));
      assertTrue(ps.log("forward").contains("final statistics"), ps.log("forward"));
    }
  }

  @Test
  void forward_badRules_nameTheLine() throws Exception {
    Path rules = Files.createTempFile("rules", "");
    Files.write(
        rules, List.of("-A -u 127.0.0.1:5999 -s rr", "-a -u 127.0.0.1:5999 -r 127.0.0.1 -w -1"));
    CliTest.Run r = CliTest.run("forward", "--rules", rules.toString());
    assertEquals(2, r.code());
    assertEquals(
        rules + ": line 2: illegal weight specified: -1: -a -u 127.0.0.1:5999 -r 127.0.0.1 -w -1\n",
        r.err());
  }

  @Test
  void forward_anEngineNotOnTheClassPathIsNamedWithTheEnginesFound() throws Exception {
    Path rules = Files.createTempFile("rules", "");
    Files.write(rules, List.of("-A -u 127.0.0.1:5999 -s rr -p 60 --pe diameter"));
    CliTest.Run r = CliTest.run("forward", "--rules", rules.toString());
    assertEquals(2, r.code());
    assertTrue(
        r.err()
            .startsWith(
                rules
                    + ": line 1: Scheduler or persistence engine not found (no persistence engine"
                    + " named 'diameter' was found (engines found: gtpu, quic, radius, sip); an"
                    + " engine is found through ServiceLoader"),
        r.err());
  }

  @Test
  void demo_runsCallsAndReportsNoSplit() {
    CliTest.Run r = CliTest.run("demo", "--calls", "90");
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("calls split across servers: 0\n"), r.out());
    assertTrue(r.out().contains("Calls completed: 90 of 90, failed: 0"), r.out());
    assertTrue(r.out().contains("-A -u 127.0.0.1:"), r.out());
    assertTrue(
        r.out().contains("(one-packet scheduling alone):  calls split across servers: "), r.out());
  }
}
