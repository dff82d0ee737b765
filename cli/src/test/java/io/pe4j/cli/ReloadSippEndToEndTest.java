package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.forwarder.sip.DemoRun;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
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
 * -HUP}: a fourth server added (it receives new calls), its weight set to 0 (it drains: no new call
 * reaches it while quiesced, by its own SIPp statistics), a broken file sent by the admin line
 * {@code --reload} (its exit code and message name the file and line; nothing changes), the server
 * back to 1 together with a second service added (it answers at once), a weight changed. 0 failed
 * calls on the client's and the servers' side. The control is what operators did without a reload:
 * restart the forwarder with the new file — calls in flight fail.
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
      boolean finished,
      double[] reloadedAt,
      List<double[]> fourthIncoming,
      String brokenAnswer,
      int brokenCode,
      boolean secondServiceAnswers,
      String file) {}

  /** A step's file; {@code weights[4]}: 1 adds the second service, -2 in weights[0] breaks it. */
  private static List<String> rules(int vport, int[] servers, int[] weights, int vport2, int echo) {
    List<String> r =
        new ArrayList<>(
            List.of("-A -u 127.0.0.1:" + vport + " -s rr -p 60 -M 0.0.0.0 -o --pe sip"));
    for (int i = 0; i < servers.length; i++) {
      if (weights[i] >= 0) {
        r.add("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + servers[i] + " -m -w " + weights[i]);
      } else if (weights[i] == -2) {
        r.add("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + servers[i] + " -m -w heavy");
      }
    }
    if (weights[servers.length] == 1) {
      r.add("-A -u 127.0.0.1:" + vport2 + " -s rr");
      r.add("-a -u 127.0.0.1:" + vport2 + " -r 127.0.0.1:" + echo + " -m -w 1");
    }
    return r;
  }

  /** A UDP server that sends every datagram back, until closed. */
  private static DatagramSocket echo() throws IOException {
    return Loopback.udpServer(request -> request);
  }

  /** Whether a datagram sent to the service comes back within 2 s. */
  private static boolean answers(int vport) throws IOException {
    try (DatagramSocket c = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      c.setSoTimeout(2_000);
      byte[] ping = "ping".getBytes(StandardCharsets.US_ASCII);
      c.send(new DatagramPacket(ping, ping.length, new InetSocketAddress("127.0.0.1", vport)));
      c.receive(new DatagramPacket(new byte[16], 16));
      return true;
    } catch (java.net.SocketTimeoutException e) {
      return false;
    }
  }

  /** SIPp's statistics rows: the epoch second of each row and its IncomingCall(C). */
  private static List<double[]> incoming(Path csv) throws IOException {
    List<double[]> rows = new ArrayList<>();
    List<String> lines = Files.readAllLines(csv, StandardCharsets.ISO_8859_1);
    for (String line : lines.subList(1, lines.size())) {
      String[] f = line.split(";");
      String[] current = f[2].split("\\s+");
      rows.add(
          new double[] {Double.parseDouble(current[current.length - 1]), Double.parseDouble(f[9])});
    }
    return rows;
  }

  private static Outcome run(String label, boolean restart) throws Exception {
    Path dir = Path.of("target", "sipp-logs", "reload-" + label);
    try (Processes ps = Processes.fresh(dir);
        DatagramSocket echo = echo()) {
      int vport = DemoRun.freePort();
      int[] servers = new int[4];
      for (int i = 0; i < servers.length; i++) {
        servers[i] = DemoRun.freePort();
        ps.start("uas" + i, SippCommands.uas(servers[i], "uas" + i));
      }
      int vport2 = DemoRun.freePort();
      // -1: not in the file; -2: a broken line; the last column: the second service
      int[][] steps = {
        {1, 1, 1, -1, 0},
        {1, 1, 1, 1, 0}, // a server added
        {1, 1, 1, 0, 0}, // quiesced
        {1, 1, 1, -2, 0}, // a broken file (by the admin line --reload)
        {1, 1, 1, 1, 1}, // back, and a service added
        {1, 2, 1, 1, 1} // a weight changed
      };
      Path file =
          Files.write(
              ps.logs().resolve("rules"),
              rules(vport, servers, steps[0], vport2, echo.getLocalPort()));
      Path admin = ps.logs().resolve("admin.sock");
      List<String> jvm = List.of("-Xmx256m");
      String[] args = {
        "forward", "--rules", file.toString(), "--threads", "1", "--admin", admin.toString()
      };
      Process fwd = ps.pe4jWith("forward", jvm, args);
      ps.awaitLog("forward", "ready", 60);
      Process uac = ps.start("uac", SippCommands.uac(vport, 50, 5000, CALLS));
      double[] at = new double[steps.length];
      String brokenAnswer = "";
      int brokenCode = 0;
      boolean secondAnswers = false;
      for (int s = 1; s < steps.length; s++) {
        Thread.sleep(2_000);
        boolean broken = steps[s][3] == -2;
        if (restart && broken) {
          continue; // a restart with a broken file does not start at all: not this control's point
        }
        Files.write(file, rules(vport, servers, steps[s], vport2, echo.getLocalPort()));
        at[s] = System.currentTimeMillis() / 1000.0;
        if (broken) {
          Process reload =
              new ProcessBuilder(
                      Processes.pe4jCommand(
                          List.of(), "ipvsadm", "--admin", admin.toString(), "--reload"))
                  .redirectErrorStream(true)
                  .start();
          brokenAnswer = new String(reload.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
          brokenCode = reload.waitFor();
        } else if (restart) {
          fwd.destroy();
          fwd.waitFor(10, TimeUnit.SECONDS);
          fwd = ps.pe4jWith("forward-" + s, jvm, args);
          ps.awaitLog("forward-" + s, "ready", 60);
        } else {
          Process kill = new ProcessBuilder("kill", "-HUP", Long.toString(fwd.pid())).start();
          assertEquals(0, kill.waitFor());
        }
        if (steps[s][4] == 1 && steps[s - 1][4] == 0) {
          Thread.sleep(200); // the reload, applied on its own thread
          secondAnswers = answers(vport2);
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
      assertEquals(0, Processes.stop(fwd));
      String log = ps.log("forward"); // with its final statistics
      System.out.printf(
          "reload sipp %-8s created %d, successful %d, failed %d; servers' failed + dead + out of"
              + " call %d%n",
          label, client.created(), client.successful(), client.failed(), serverFailures);
      return new Outcome(
          client,
          serverFailures,
          log,
          vport,
          servers,
          finished,
          at,
          incoming(ps.logs().resolve("uas3.csv")),
          brokenAnswer,
          brokenCode,
          secondAnswers,
          file.toString());
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
            "reload: -e " + sel + rs[1] + " -m -w 2",
            "reload: -A -u 127.0.0.1:")) {
      assertTrue(o.log().contains(change), change + " missing from:\n" + o.log());
    }
    // the broken file: refused with its file and line, by the admin line's exit code too
    assertEquals(Pe4j.USAGE, o.brokenCode(), o.brokenAnswer());
    assertTrue(
        o.brokenAnswer()
            .contains("reload refused, nothing changed: " + o.file() + ": line 5: illegal weight"),
        o.brokenAnswer());
    assertTrue(o.log().contains("reloads: 4 applied, 1 refused"), o.log());
    // the service added answers at once
    assertTrue(o.secondServiceAnswers(), "the service added by the reload did not answer");
    // the fourth server: new calls once added; none while quiesced (the broken file left it so)
    double added = o.reloadedAt()[1];
    double quiesced = o.reloadedAt()[2];
    double back = o.reloadedAt()[4];
    List<double[]> rows = o.fourthIncoming();
    double before = -1;
    double during = -1;
    boolean grewWhileQuiesced = false;
    for (double[] r : rows) {
      if (r[0] > added && r[0] < quiesced) {
        before = Math.max(before, r[1]);
      }
      if (r[0] > quiesced + 0.3 && r[0] < back) {
        grewWhileQuiesced |= during >= 0 && r[1] > during;
        during = Math.max(during, r[1]);
      }
    }
    assertTrue(before > 0, "the server added received no new call: " + toString(rows));
    assertTrue(during >= 0, "no statistics row while quiesced: " + toString(rows));
    assertTrue(!grewWhileQuiesced, "new calls reached the quiesced server: " + toString(rows));
  }

  private static String toString(List<double[]> rows) {
    StringBuilder sb = new StringBuilder();
    rows.forEach(r -> sb.append(String.format(java.util.Locale.ROOT, "%.1f:%.0f ", r[0], r[1])));
    return sb.toString();
  }

  @Test
  void control_restartingInsteadLosesCalls() throws Exception {
    Outcome o = run("restart", true);
    assertTrue(o.client().failed() + o.serverFailures() > 0, "the control must fail calls: " + o);
  }
}
