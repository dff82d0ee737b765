package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.forwarder.sip.SipClient;
import io.pe4j.forwarder.sip.SipServer;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A graceful drain: two {@code pe4j forward} nodes share one address (SO_REUSEPORT) and agree on
 * calls by {@code mh-pe}; the servers answer 150 ms late, so transactions are always in flight (and
 * outlast the shutdown of a node that does not drain). One node gets SIGTERM mid-run. With {@code
 * --drain-seconds} every reply the servers sent reaches the client; the control, without a drain,
 * loses the replies in flight (SIP retransmissions then recover the calls through the other node).
 */
class DrainEndToEndTest {

  private static final int CALLS = 200;

  private record Run(SipClient.Result result, long repliesLost, int exit, String log) {}

  private Run run(String label, int drainSeconds) throws Exception {
    try (Processes ps = new Processes(Path.of("target", "drain-e2e-" + label));
        SipServer a = SipServer.start(new InetSocketAddress("127.0.0.1", 0), "a");
        SipServer b = SipServer.start(new InetSocketAddress("127.0.0.1", 0), "b")) {
      a.replyDelay(150);
      b.replyDelay(150);
      int vport = Loopback.freeUdpPort();
      String vip = "127.0.0.1:" + vport;
      Path rules = ps.logs().resolve("rules");
      Files.writeString(
          rules,
          "-A -u "
              + vip
              + " -s mh -b mh-pe -p 60 -M 0.0.0.0 -o --pe sip\n"
              + "-a -u "
              + vip
              + " -r 127.0.0.1:"
              + a.address().getPort()
              + " -m\n"
              + "-a -u "
              + vip
              + " -r 127.0.0.1:"
              + b.address().getPort()
              + " -m\n");
      List<String> jvm = List.of("-Xmx128m", "-XX:+UseSerialGC");
      Process leaving =
          ps.pe4jWith(
              "leaving",
              jvm,
              "forward",
              "--rules",
              rules.toString(),
              "--share-port",
              "--threads",
              "1",
              "--drain-seconds",
              Integer.toString(drainSeconds),
              "--drain-idle-ms",
              "400"); // above the servers' 150 ms: a late answer to a retransmission still passes
      ps.pe4jWith(
          "staying", jvm, "forward", "--rules", rules.toString(), "--share-port", "--threads", "1");
      ps.awaitLog("leaving", "ready", 60);
      ps.awaitLog("staying", "ready", 60);
      AtomicInteger done = new AtomicInteger();
      SipClient.Result r;
      long lost;
      try (SipClient client = new SipClient(new InetSocketAddress("127.0.0.1", vport), 32, label)) {
        Thread stopper =
            new Thread(
                () -> {
                  while (done.get() < CALLS / 3) {
                    Thread.onSpinWait();
                  }
                  leaving.destroy(); // SIGTERM
                });
        stopper.start();
        r = client.run(CALLS, 4, label + "-", done::set);
        stopper.join();
        Thread.sleep(300); // late answers to retransmissions
        lost = a.repliesSent() + b.repliesSent() - client.responsesReceived();
      }
      assertTrue(leaving.waitFor(30, TimeUnit.SECONDS));
      String log = ps.log("leaving");
      System.out.printf(
          "drain e2e %-9s completed %d of %d, replies sent by the servers and never received %d,"
              + " retransmissions %d (%d on purpose), exit %d%n",
          label, r.completed(), CALLS, lost, r.retransmissions(), CALLS / 20, leaving.exitValue());
      return new Run(r, lost, leaving.exitValue(), log);
    }
  }

  @Test
  void aDrainingNodeLosesNoReply() throws Exception {
    Run run = run("drain", 5);
    assertEquals(0, run.exit(), run.log());
    assertTrue(run.log().contains("draining: new clients go elsewhere; "), run.log());
    assertTrue(run.log().contains("forwarded to servers"), run.log());
    assertEquals(CALLS, run.result().completed());
    assertEquals(0, run.repliesLost(), "replies sent by the servers that never reached the client");
  }

  /**
   * Only 4 calls are in flight at a time, over 32 client sockets that the kernel spreads over both
   * nodes: about one SIGTERM in ten finds none of them on the leaving node, and then nothing is
   * lost even without a drain. So the control runs up to three times and must lose replies in one.
   */
  @Test
  void withoutADrainRepliesInFlightAreLost_control() throws Exception {
    List<Long> lost = new java.util.ArrayList<>();
    for (int attempt = 1;
        attempt <= 3 && (lost.isEmpty() || lost.get(lost.size() - 1) == 0);
        attempt++) {
      Run run = run("no-drain-" + attempt, 0);
      assertEquals(0, run.exit(), run.log());
      lost.add(run.repliesLost());
    }
    assertTrue(lost.get(lost.size() - 1) > 0, "replies in flight lost, per run: " + lost);
  }
}
