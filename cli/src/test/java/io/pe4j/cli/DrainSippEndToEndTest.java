package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.forwarder.sip.DemoRun;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;

/**
 * A drain loses no call without a cluster: two {@code pe4j forward --share-port} nodes with {@code
 * -s rr} (each picks servers on its own: a call whose datagrams change node mid-call fails), SIPp
 * at 50 calls/s of 5 s each from a socket per call ({@code -t un}: the kernel reuses source ports),
 * SIGTERM on one node mid-run with {@code --drain-seconds 10}. Five runs, 0 failed calls on the
 * client's and the servers' side; the control, the same SIGTERM without a drain, fails calls.
 */
@Tag("sipp")
class DrainSippEndToEndTest {

  private static final int CALLS = 750; // 15 s at 50 calls/s

  record Outcome(SippEndToEndTest.Stats client, long serverFailures, String leavingLog) {}

  private static Outcome run(String label, int drainSeconds) throws Exception {
    Path dir = Path.of("target", "sipp-logs", "drain-" + label);
    try (Processes ps = Processes.fresh(dir)) {
      int vport = DemoRun.freePort();
      List<String> rules =
          new ArrayList<>(
              List.of("-A -u 127.0.0.1:" + vport + " -s rr -p 60 -M 0.0.0.0 -o --pe sip"));
      for (int i = 0; i < 3; i++) {
        int port = DemoRun.freePort();
        rules.add("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + port + " -m -w 1");
        ps.start("uas" + i, SippCommands.uas(port, "uas" + i));
      }
      Path file = Files.write(ps.logs().resolve("rules"), rules);
      List<String> jvm = List.of("-Xmx256m");
      Process leaving =
          ps.pe4jWith(
              "leaving",
              jvm,
              "forward",
              "--rules",
              file.toString(),
              "--share-port",
              "--threads",
              "1",
              "--drain-seconds",
              Integer.toString(drainSeconds));
      ps.pe4jWith(
          "staying", jvm, "forward", "--rules", file.toString(), "--share-port", "--threads", "1");
      ps.awaitLog("leaving", "ready", 60);
      ps.awaitLog("staying", "ready", 60);
      Process uac = ps.start("uac", SippCommands.uac(vport, 50, 5000, CALLS));
      Thread.sleep(7_000); // 350 calls started, 250 in progress
      leaving.destroy(); // SIGTERM
      assertTrue(uac.waitFor(90, TimeUnit.SECONDS), ps.log("uac"));
      assertTrue(leaving.waitFor(30, TimeUnit.SECONDS), ps.log("leaving"));
      Thread.sleep(2_500); // the servers' statistics, written every second
      SippEndToEndTest.Stats client = SippEndToEndTest.Stats.read(ps.logs().resolve("uac.csv"));
      long serverFailures = 0;
      for (int i = 0; i < 3; i++) {
        SippEndToEndTest.Stats s =
            SippEndToEndTest.Stats.read(ps.logs().resolve("uas" + i + ".csv"));
        serverFailures += s.failed() + s.deadCallMsgs() + s.outOfCallMsgs();
      }
      System.out.printf(
          "drain sipp %-10s created %d, successful %d, failed %d; servers' failed + dead + out of"
              + " call %d%n",
          label, client.created(), client.successful(), client.failed(), serverFailures);
      return new Outcome(client, serverFailures, ps.log("leaving"));
    }
  }

  @Test
  void fiveDrainsLoseNoCall() throws Exception {
    for (int run = 1; run <= Integer.getInteger("drainRuns", 5); run++) {
      Outcome o = run("drain-" + run, 10);
      assertEquals(CALLS, o.client().created(), "run " + run);
      assertEquals(0, o.client().failed(), "run " + run + ": " + o);
      assertEquals(CALLS, o.client().successful(), "run " + run);
      assertEquals(0, o.serverFailures(), "run " + run + ": " + o);
      assertTrue(o.leavingLog().contains("draining: new clients go elsewhere; "), o.leavingLog());
    }
  }

  @Test
  void control_withoutADrainCallsFail() throws Exception {
    Outcome o = run("no-drain", 0);
    assertTrue(o.client().failed() + o.serverFailures() > 0, "the control must fail calls: " + o);
  }
}
