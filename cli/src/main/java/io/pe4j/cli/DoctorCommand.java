package io.pe4j.cli;

import io.pe4j.forwarder.TransparentCheck;
import java.io.PrintWriter;
import java.util.List;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pe4j doctor --transparent}: checks what transparent mode needs from this host. */
@Command(
    name = "doctor",
    mixinStandardHelpOptions = true,
    description = {
      "Checks the host for a mode of pe4j forward. --transparent: the privilege to set"
          + " IP_TRANSPARENT (CAP_NET_ADMIN), the policy rule for the mark, the local route of its"
          + " table and the TPROXY rule to the port, in this network namespace.",
      "Prints one line per check (ok or MISSING, with the command that sets it up); exits 0 when"
          + " all hold, 1 otherwise."
    })
final class DoctorCommand implements Callable<Integer> {

  @Spec private CommandSpec spec = CommandSpec.create();

  @Option(names = "--transparent", required = true, description = "check transparent mode")
  private boolean transparent;

  @Option(
      names = "--tproxy-port",
      paramLabel = "PORT",
      description = "the port of pe4j forward --tproxy-port (default 15060)")
  private int port = ForwardCommand.DEFAULT_TPROXY_PORT;

  @Option(
      names = "--mark",
      paramLabel = "MARK",
      description = "the firewall mark the TPROXY rule sets (default 0x1)",
      converter = Marks.class)
  private int mark = 1;

  @Option(
      names = "--table",
      paramLabel = "N",
      description = "the routing table the mark selects (default 100)")
  private int table = 100;

  @Option(
      names = "--server-interface",
      paramLabel = "IF",
      description = "the interface towards the real servers, in the suggested rule (default eth1)")
  private String serverInterface = "eth1";

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    List<TransparentCheck.Finding> findings =
        TransparentCheck.run(port, mark, table, serverInterface);
    boolean ok = true;
    for (TransparentCheck.Finding f : findings) {
      out.println(f);
      ok &= f.ok();
    }
    out.println(
        ok
            ? "transparent mode: ready (pe4j forward --transparent --tproxy-port " + port + ")"
            : "transparent mode: not ready; see the MISSING lines");
    out.flush();
    return ok ? 0 : Pe4j.FAILED;
  }

  /** Reads a mark in decimal or 0x hexadecimal, as ip rule and nft print it. */
  static final class Marks implements picocli.CommandLine.ITypeConverter<Integer> {
    @Override
    public Integer convert(String text) {
      return text.startsWith("0x") || text.startsWith("0X")
          ? Integer.parseUnsignedInt(text.substring(2), 16)
          : Integer.parseInt(text);
    }
  }
}
