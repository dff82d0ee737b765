package io.pe4j.cli;

import java.io.PrintWriter;
import picocli.CommandLine;
import picocli.CommandLine.Command;

/** The {@code pe4j} command line: Linux IPVS persistence engines, in Java. */
@Command(
    name = "pe4j",
    mixinStandardHelpOptions = true,
    version = "pe4j " + Pe4j.VERSION,
    description = "IPVS persistence engines (ipvsadm --pe) for UDP forwarders.",
    subcommands = {
      EnginesCommand.class,
      ExtractCommand.class,
      SimulateCommand.class,
      ReplayCommand.class,
      IpvsadmCommand.class,
      ForwardCommand.class,
      DemoCommand.class,
      DoctorCommand.class,
      CommandLine.HelpCommand.class
    })
public final class Pe4j implements Runnable {

  /** pe4j's version ({@code pe4j --version}, the status page). */
  static final String VERSION = "0.1.0-SNAPSHOT";

  /** Exit code: a failed expectation. */
  static final int FAILED = 1;

  /** Exit code: bad usage or bad input. */
  static final int USAGE = 2;

  @CommandLine.Spec
  private CommandLine.Model.CommandSpec spec = CommandLine.Model.CommandSpec.create();

  @Override
  public void run() {
    throw new CommandLine.ParameterException(
        spec.commandLine(),
        "a command is required ("
            + String.join(", ", spec.commandLine().getSubcommands().keySet())
            + ")");
  }

  /** Runs the command line and returns its exit code (for tests and embedding). */
  public static int execute(PrintWriter out, PrintWriter err, String... args) {
    CommandLine cl = new CommandLine(new Pe4j());
    cl.setOut(out);
    cl.setErr(err);
    cl.setExecutionExceptionHandler(
        (e, line, parsed) -> {
          line.getErr().println("pe4j: " + e.getMessage());
          return USAGE;
        });
    int code = cl.execute(args);
    out.flush();
    err.flush();
    return code;
  }

  /** Runs {@code pe4j} and exits with its code. */
  public static void main(String[] args) {
    PrintWriter out = new PrintWriter(System.out, true, java.nio.charset.Charset.defaultCharset());
    PrintWriter err = new PrintWriter(System.err, true, java.nio.charset.Charset.defaultCharset());
    System.exit(execute(out, err, args));
  }
}
