package io.pe4j.cli;

import io.pe4j.forwarder.Forwarder;
import java.io.PrintWriter;
import picocli.CommandLine.Option;

/** {@code pe4j forward}'s graceful drain: its options, and the drain itself at the end. */
final class DrainOptions {

  @Option(
      names = "--drain-seconds",
      paramLabel = "N",
      description =
          "on SIGTERM or the admin line --drain: stop taking new clients (with --share-port the"
              + " kernel moves them to the other nodes), keep N seconds for replies in flight,"
              + " then exit 0 (default 0: exit at once)")
  int drainSeconds;

  @Option(
      names = "--drain-idle-ms",
      paramLabel = "MS",
      description =
          "during a drain, a client whose last datagram was answered and quiet this long since is let"
              + " go to the other nodes (default 4000)")
  long drainIdleMillis = 4000;

  /** Drains {@code forwarder} as the options say (nothing with {@code --drain-seconds 0}). */
  void drain(Forwarder forwarder, PrintWriter out) throws InterruptedException {
    if (drainSeconds <= 0) {
      return;
    }
    int kept = forwarder.drain();
    out.println(
        "draining: new clients go elsewhere; "
            + kept
            + " sessions kept "
            + drainSeconds
            + " s for replies in flight");
    out.flush();
    long until = System.nanoTime() + drainSeconds * 1_000_000_000L;
    java.time.Duration idle = java.time.Duration.ofMillis(drainIdleMillis);
    int left = Math.max(kept, forwarder.sessions()); // own sockets may still be connecting
    while (left > 0 && System.nanoTime() < until) {
      Thread.sleep(Math.max(5, drainIdleMillis / 4));
      left = forwarder.releaseIdle(idle);
    }
    out.println("drained: " + left + " sessions still active at the end");
  }
}
