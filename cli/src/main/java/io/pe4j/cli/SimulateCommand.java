package io.pe4j.cli;

import java.nio.file.Path;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pe4j simulate}: a configuration and traffic, in virtual time. */
@Command(
    name = "simulate",
    mixinStandardHelpOptions = true,
    description = {
      "Replays a script against a core in virtual time; prints a line per datagram and the listings asked for.",
      "Lines (# starts a comment):",
      "  at SECONDS                     set the clock (decimals allowed, never backwards)",
      "  sysctl NAME=0|1                expire_quiescent_template, expire_nodest_conn",
      "  ipvsadm ARGS...                any ipvsadm command (-A -E -D -a -e -d -C -Z --set ...)",
      "  udp SRC:PORT -> DST:PORT PAYLOAD",
      "                                 PAYLOAD: sip CALLID | file PATH | hex BYTES | text \"...\" (\\r \\n \\t \\\\ \\\")",
      "                                 from a real server's address:port it is handled as server-originated",
      "  list ARGS...                   print an ipvsadm listing (-Ln, -Lcn --persistent-conn, -Ln --stats)",
      "  expect ...                     with --expect: the previous verdict, or a line of the previous listing",
      "Output per datagram: t=SECONDS udp SRC -> DST => FORWARD IP:PORT | DROP REASON | NO_DEST | PASS | OUT IP:PORT"
    })
final class SimulateCommand implements Callable<Integer> {

  @Spec private CommandSpec spec = CommandSpec.create();

  @Option(names = "--expect", description = "check 'expect' lines; exit 1 on the first mismatch")
  private boolean expect;

  @Parameters(paramLabel = "SCRIPT", description = "the script file")
  private Path script = Path.of("");

  @Override
  public Integer call() {
    return new Simulation(script, spec.commandLine().getOut(), spec.commandLine().getErr(), expect)
        .run();
  }
}
