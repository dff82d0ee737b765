package io.pe4j.cli;

import io.pe4j.forwarder.sip.DemoRun;
import java.io.PrintWriter;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.function.IntConsumer;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/**
 * {@code pe4j demo}: SIP calls through a pe4j forwarder, with and without the {@code sip} engine.
 */
@Command(
    name = "demo",
    mixinStandardHelpOptions = true,
    description = {
      "Runs SIP calls through a pe4j forwarder to embedded SIP servers, all on 127.0.0.1 and free ports,",
      "with the seed's service line (-s rr -p 60 -M 0.0.0.0 -o --pe sip), then again without the engine.",
      "Exits 1 if a call split across servers with the engine on."
    })
final class DemoCommand implements Callable<Integer> {

  static final String SEED_LINE = "-s rr -p 60 -M 0.0.0.0 -o --pe sip";

  @Spec private CommandSpec spec = CommandSpec.create();

  @Option(names = "--calls", paramLabel = "N", description = "calls to run (default 1000)")
  private int calls = 1000;

  @Option(
      names = "--servers",
      paramLabel = "K",
      description = "SIP servers behind the forwarder (default 3)")
  private int servers = 3;

  @Option(names = "--threads", paramLabel = "T", description = "forwarder threads (default 2)")
  private int threads = 2;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    if (calls < 1
        || calls > 1_000_000
        || servers < 1
        || servers > 64
        || threads < 1
        || threads > 64) {
      spec.commandLine()
          .getErr()
          .println("pe4j demo: --calls 1..1000000, --servers 1..64, --threads 1..64");
      return Pe4j.USAGE;
    }
    out.println(
        "pe4j demo: "
            + calls
            + " SIP calls (INVITE/100/180/200/ACK/BYE/200, 8 client sockets, some retransmissions");
    out.println(
        "and CRLF keep-alives) through a pe4j forwarder to "
            + servers
            + " SIP servers, all on 127.0.0.1.");
    out.println();
    DemoRun.Result on = DemoRun.run(SEED_LINE, calls, servers, threads, progress(out, calls));
    out.println();
    out.println("Rules (ipvsadm -Sn):");
    out.print(on.rules());
    out.println();
    out.println("Sample of ipvsadm -Lcn --persistent-conn:");
    out.print(on.sample());
    out.println();
    out.println("Calls per server:");
    for (Map.Entry<String, Integer> e : on.callsPerServer().entrySet()) {
      out.printf("  %-22s %6d%n", e.getKey(), e.getValue());
    }
    out.printf(
        "Calls completed: %d of %d, failed: %d (client side); dead-call messages at servers: %d%n",
        on.client().completed(), calls, on.client().failed(), on.deadCallMessages());
    out.println("calls split across servers: " + on.splitCalls());
    out.println();
    out.println("The same calls without the sip engine:");
    DemoRun.Result opsOnly = DemoRun.run("-s rr -o", calls, servers, threads, n -> {});
    out.printf(
        "  -s rr -o (one-packet scheduling alone):  calls split across servers: %d, failed calls: %d%n",
        opsOnly.splitCalls(), opsOnly.client().failed());
    DemoRun.Result sticky =
        DemoRun.run("-s rr -p 60 -M 0.0.0.0 -o", calls, servers, threads, n -> {});
    int busiest =
        sticky.callsPerServer().values().stream().mapToInt(Integer::intValue).max().orElse(0);
    out.printf(
        "  -s rr -p 60 -M 0.0.0.0 -o (persistence without the engine):  calls split: %d, but %d of %d calls on one server%n",
        sticky.splitCalls(), busiest, calls);
    out.println("Call-ID persistence is what keeps calls whole and spread at once.");
    out.flush();
    return on.splitCalls() == 0 ? 0 : Pe4j.FAILED;
  }

  /** A progress bar on a terminal, plain progress lines every 10% otherwise. */
  private static IntConsumer progress(PrintWriter out, int total) {
    boolean terminal = System.console() != null;
    return done -> {
      synchronized (out) {
        if (terminal) {
          int width = 40;
          int filled = (int) ((long) done * width / total);
          out.print(
              "\r["
                  + "#".repeat(filled)
                  + " ".repeat(width - filled)
                  + "] "
                  + done
                  + "/"
                  + total
                  + " calls");
          if (done == total) {
            out.println();
          }
          out.flush();
        } else if (done == total || done % Math.max(1, total / 10) == 0) {
          out.println("progress: " + done + "/" + total + " calls");
          out.flush();
        }
      }
    };
  }
}
