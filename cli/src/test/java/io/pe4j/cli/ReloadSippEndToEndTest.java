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
 * Reloads lose no call: SIPp at 50 calls/s of 5 s each through {@code pe4j forward} ({@code -s rr
 * -p 60 -M 0.0.0.0 -o --pe sip}, three servers), and every 2 s a changed rules file and {@code kill
 * -HUP}: a fourth server added, its weight set to 0 (it drains), back to 1, a weight changed. 0
 * failed calls on the client's and the servers' side. The control is what operators did without a
 * reload: restart the forwarder with the new file — calls in flight fail.
 */
@Tag("sipp")
class ReloadSippEndToEndTest {

  private static final int CALLS = 750; // 15 s at 50 calls/s

  record Outcome(
      SippEndToEndTest.Stats client,
      long serverFailures,
      String log,
      int vport,
      int[] servers,
      boolean finished) {}

  private static List<String> rules(int vport, int[] servers, int[] weights) {
    List<String> r =
        new ArrayList<>(
            List.of("-A -u 127.0.0.1:" + vport + " -s rr -p 60 -M 0.0.0.0 -o --pe sip"));
    for (int i = 0; i < servers.length; i++) {
      if (weights[i] >= 0) {
        r.add("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + servers[i] + " -m -w " + weights[i]);
      }
    }
    return r;
  }

  private static Outcome run(String label, boolean restart) throws Exception {
    Path dir = Path.of("target", "sipp-logs", "reload-" + label);
    try (Processes ps = Processes.fresh(dir)) {
      int vport = DemoRun.freePort();
      int[] servers = new int[4];
      for (int i = 0; i < servers.length; i++) {
        servers[i] = DemoRun.freePort();
        ps.start("uas" + i, SippCommands.uas(servers[i], "uas" + i));
      }
      // -1: not in the file
      int[][] steps = {{1, 1, 1, -1}, {1, 1, 1, 1}, {1, 1, 1, 0}, {1, 1, 1, 1}, {1, 2, 1, 1}};
      Path file = Files.write(ps.logs().resolve("rules"), rules(vport, servers, steps[0]));
      List<String> jvm = List.of("-Xmx256m");
      String[] args = {"forward", "--rules", file.toString(), "--threads", "1"};
      Process fwd = ps.pe4jWith("forward", jvm, args);
      ps.awaitLog("forward", "ready", 60);
      Process uac = ps.start("uac", SippCommands.uac(vport, 50, 5000, CALLS));
      for (int s = 1; s < steps.length; s++) {
        Thread.sleep(2_000);
        Files.write(file, rules(vport, servers, steps[s]));
        if (restart) {
          fwd.destroy();
          fwd.waitFor(10, TimeUnit.SECONDS);
          fwd = ps.pe4jWith("forward-" + s, jvm, args);
          ps.awaitLog("forward-" + s, "ready", 60);
        } else {
          Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(fwd.pid())).start();
          assertEquals(0, kill.waitFor());
        }
      }
      boolean finished = uac.waitFor(150, TimeUnit.SECONDS);
      if (!finished) {
        uac.destroy(); // the control: calls that lost their server time out
        uac.waitFor(10, TimeUnit.SECONDS);
      }
      Thread.sleep(2_500); // the servers' statistics, written every second
      SippEndToEndTest.Stats client = SippEndToEndTest.Stats.read(ps.logs().resolve("uac.csv"));
      long serverFailures = 0;
      for (int i = 0; i < servers.length; i++) {
        SippEndToEndTest.Stats st =
            SippEndToEndTest.Stats.read(ps.logs().resolve("uas" + i + ".csv"));
        serverFailures += st.failed() + st.deadCallMsgs() + st.outOfCallMsgs();
      }
      String log = ps.log("forward");
      assertEquals(0, Processes.stop(fwd));
      System.out.printf(
          "reload sipp %-8s created %d, successful %d, failed %d; servers' failed + dead + out of"
              + " call %d%n",
          label, client.created(), client.successful(), client.failed(), serverFailures);
      return new Outcome(client, serverFailures, log, vport, servers, finished);
    }
  }

  @Test
  void reloadsUnderLoadLoseNoCall() throws Exception {
    Outcome o = run("hup", false);
    assertTrue(o.finished(), "SIPp did not finish: " + o);
    assertEquals(CALLS, o.client().created(), o.toString());
    assertEquals(0, o.client().failed(), o.toString());
    assertEquals(CALLS, o.client().successful(), o.toString());
    assertEquals(0, o.serverFailures(), o.toString());
    String sel = "-u 127.0.0.1:" + o.vport() + " -r 127.0.0.1:";
    int[] rs = o.servers();
    for (String change :
        List.of(
            "reload: -a " + sel + rs[3] + " -m -w 1",
            "reload: -e " + sel + rs[3] + " -m -w 0",
            "reload: -e " + sel + rs[3] + " -m -w 1",
            "reload: -e " + sel + rs[1] + " -m -w 2")) {
      assertTrue(o.log().contains(change), change + " missing from:\n" + o.log());
    }
  }

  @Test
  void control_restartingInsteadLosesCalls() throws Exception {
    Outcome o = run("restart", true);
    assertTrue(o.client().failed() + o.serverFailures() > 0, "the control must fail calls: " + o);
  }
}
