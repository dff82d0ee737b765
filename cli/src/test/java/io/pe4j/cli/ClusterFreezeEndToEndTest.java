package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A frozen member ({@code kill -STOP}: no reset, no heartbeat — a hung VM, a long GC) must not stop
 * the survivors. Three {@code pe4j forward --cluster} processes share one virtual address through
 * SO_REUSEPORT (the kernel pins each client socket to one node); 24 client sockets each send a
 * datagram of their established call and one of a new call every 100 ms; echo servers answer. One
 * node is frozen for 20 s mid-run. The sockets the kernel pins to the frozen node go unanswered (as
 * a dead host behind ECMP would); on every other socket, replies go on: no gap over a second, new
 * calls answered within the cluster wait + 50 ms, no call split across servers ({@code -s mh -b
 * mh-pe}: every node's lone decision is the same). The control holds new calls for 5 s ({@code
 * --cluster-wait-ms 5000}): its new calls wait, which the same measurement sees.
 */
class ClusterFreezeEndToEndTest {

  private static final int SOCKETS = 24;
  private static final List<String> JVM = List.of("-Xmx192m", "-XX:+UseSerialGC", "-Xss512k");

  @Test
  void aFrozenMemberStallsNoSurvivor() throws Exception {
    long wait = io.pe4j.core.Ipvs.DEFAULT_CLUSTER_WAIT_MILLIS;
    CallDriver.Seen s = run("freeze", wait, 20);
    assertTrue(s.frozenSockets() > 0 && s.survivorSockets() > 0, s.toString());
    assertTrue(s.worstGapMillis() < 1000, "a survivor's socket waited " + s.worstGapMillis());
    assertTrue(s.newCallP99Millis() <= wait + 50, "new calls' p99 " + s.newCallP99Millis() + " ms");
    assertEquals(0, s.split(), "calls split across servers");
  }

  @Test
  void aLongClusterWaitHoldsNewCalls_control() throws Exception {
    CallDriver.Seen s = run("freeze-wait", 5000, 12);
    assertTrue(s.newCallMaxMillis() > 2000, "new calls never waited: " + s);
  }

  private CallDriver.Seen run(String label, long waitMillis, int freezeSeconds) throws Exception {
    try (Processes p = new Processes(Path.of("target", "cluster-freeze"));
        CallDriver.Echo echo = new CallDriver.Echo(3)) {
      int vport = Loopback.freeUdpPort();
      StringBuilder rules = new StringBuilder();
      rules.append("-A -u 127.0.0.1:").append(vport);
      rules.append(" -s mh -b mh-pe -p 60 -M 0.0.0.0 -o --pe sip\n");
      for (int port : echo.ports()) {
        rules.append("-a -u 127.0.0.1:").append(vport).append(" -r 127.0.0.1:");
        rules.append(port).append(" -m -w 1\n");
      }
      Path rulesFile = p.logs().resolve(label + "-rules");
      Files.writeString(rulesFile, rules.toString());
      Path secret = ClusterEndToEndTest.secretFile(p.logs());
      List<String> members = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        members.add("127.0.0.1:" + Loopback.freeClusterPort());
      }
      List<Process> nodes = new ArrayList<>();
      for (int i = 0; i < 3; i++) {
        String m = members.get(i);
        nodes.add(
            p.pe4jWith(
                label + "-node" + i,
                JVM,
                "forward",
                "--rules",
                rulesFile.toString(),
                "--share-port",
                "--threads",
                "1",
                "--cluster",
                label + "-" + ProcessHandle.current().pid(),
                "--cluster-secret",
                secret.toString(),
                "--members",
                String.join(",", members),
                "--cluster-port",
                m.substring(m.indexOf(':') + 1),
                "--cluster-wait-ms",
                Long.toString(waitMillis)));
      }
      for (int i = 0; i < 3; i++) {
        p.awaitLog(label + "-node" + i, "ready", 120);
      }
      Process frozen = nodes.get(1);
      try {
        return CallDriver.drive(
            new InetSocketAddress("127.0.0.1", vport),
            "127.0.0.1",
            SOCKETS,
            label,
            () -> signal(frozen, "STOP"),
            () -> signal(frozen, "CONT"),
            freezeSeconds);
      } finally {
        signal(frozen, "CONT");
        for (Process n : nodes) {
          Processes.stop(n);
        }
      }
    }
  }

  static void signal(Process p, String sig) throws IOException, InterruptedException {
    new ProcessBuilder("kill", "-" + sig, Long.toString(p.pid())).inheritIO().start().waitFor();
  }
}
