package io.pe4j.cli;

import io.pe4j.cli.capture.CaptureSource;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pe4j replay}: what a configuration would do to a captured day of traffic. */
@Command(
    name = "replay",
    mixinStandardHelpOptions = true,
    description = {
      "Replays the UDP datagrams of captures (pcap, pcapng) through a configuration in the"
          + " captures' own time, and reports what it did: datagrams and calls per real server"
          + " against the weights, calls split across servers and why, calls moved by each event,"
          + " templates over time, what the engine could not key.",
      "Datagrams from a real server's address take the server path; all others go to the"
          + " virtual service they were sent to, or to --service. Same result on every run.",
      "A capture may be a pipe (tcpdump -w - | pe4j replay --pcap /dev/stdin ...). Exits 2 when"
          + " a capture could not be read to its end, after reporting what was read."
    })
final class ReplayCommand implements Callable<Integer> {

  @Spec private CommandSpec spec = CommandSpec.create();

  @Option(
      names = "--pcap",
      required = true,
      split = ",",
      paramLabel = "FILE",
      description = "captures, merged by time (FILE,FILE... or the option again)")
  private List<Path> pcaps = new ArrayList<>();

  @Mixin private RulesOptions rules = new RulesOptions();

  @Option(
      names = "--service",
      paramLabel = "VIP:PORT",
      description =
          "send every client datagram to this UDP virtual service (default: where it was sent)")
  private @Nullable String service;

  @Option(
      names = "--events",
      paramLabel = "FILE",
      description =
          "lines 'at SECONDS ipvsadm ...', 'at SECONDS down RS [remove]', 'at SECONDS up RS',"
              + " 'at SECONDS node K down|up' (seconds from the first datagram)")
  private @Nullable Path events;

  @Option(
      names = "--nodes",
      paramLabel = "N",
      description = "directors sharing the traffic by client address (default 1)")
  private int nodes = 1;

  @Option(
      names = "--agreement",
      paramLabel = "none|shared",
      description =
          "with --nodes: each node its own core (none: what -s mh -b mh-pe needs), or one shared"
              + " template table (shared: a cluster whose answer comes in time); default none")
  private String agreement = "none";

  @Option(names = "--seed", paramLabel = "N", description = "the cores' seed (default 1)")
  private int seed = 1;

  @Option(names = "--json", description = "print the report as JSON")
  private boolean json;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    String rulesProblem = rules.problem();
    if (rulesProblem != null) {
      err.println("pe4j replay: " + rulesProblem);
      return Pe4j.USAGE;
    }
    if (nodes < 1 || nodes > 64) {
      err.println("pe4j replay: --nodes: 1..64, not " + nodes);
      return Pe4j.USAGE;
    }
    Replay.Agreement agree;
    try {
      agree = Replay.Agreement.valueOf(agreement.toUpperCase(Locale.ROOT));
    } catch (IllegalArgumentException e) {
      err.println("pe4j replay: --agreement: '" + agreement + "' is not none or shared");
      return Pe4j.USAGE;
    }
    Replay replay;
    try {
      InetSocketAddress target = service == null ? null : Endpoints.parse(service);
      List<ReplayEvents.Event> plan = events == null ? List.of() : ReplayEvents.read(events, nodes);
      replay = new Replay(rules.source(), rules.isKeepalived(), target, nodes, agree, seed, plan);
    } catch (IllegalArgumentException e) {
      err.println("pe4j replay: " + e.getMessage());
      return Pe4j.USAGE;
    } catch (IOException e) {
      err.println("pe4j replay: --events: " + e.getMessage());
      return Pe4j.USAGE;
    }
    long start = System.nanoTime();
    long frames = 0;
    Map<String, Long> notUdp = new TreeMap<>();
    List<String> failures = new ArrayList<>();
    try (CaptureSource capture = CaptureSource.open(pcaps)) {
      for (CaptureSource.Packet p; (p = capture.next()) != null; ) {
        replay.offer(p);
      }
      replay.finish();
      for (int i = 0; i < pcaps.size(); i++) {
        frames += capture.frames(i);
        capture.notUdp(i).forEach((k, v) -> notUdp.merge(k, v, Long::sum));
        String failure = capture.failure(i);
        if (failure != null) {
          failures.add(capture.path(i) + ": " + failure + " (read up to there)");
        }
      }
    } catch (IOException e) {
      err.println("pe4j replay: " + e.getMessage());
      return Pe4j.USAGE;
    }
    ReplayReport.Run run =
        new ReplayReport.Run(
            pcaps.stream().map(Path::toString).toList(),
            frames,
            notUdp,
            failures,
            System.nanoTime() - start);
    out.print(json ? ReplayReport.json(replay, run) : ReplayReport.text(replay, run));
    out.flush();
    if (!failures.isEmpty()) { // the report covers what was read; the rest was not: say so
      failures.forEach(f -> err.println("pe4j replay: " + f));
      return Pe4j.USAGE;
    }
    return 0;
  }
}
