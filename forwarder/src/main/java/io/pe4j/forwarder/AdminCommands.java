package io.pe4j.forwarder;

import io.pe4j.core.Ipvs;
import io.pe4j.core.IpvsadmException;
import io.pe4j.core.ipvsadm.Ipvsadm;
import io.pe4j.forwarder.health.HealthCheck;
import io.pe4j.forwarder.health.HealthChecker;
import java.io.IOException;
import java.io.Writer;
import java.util.List;
import java.util.function.Predicate;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The admin endpoint's commands, as a table: each entry says which lines it takes and answers them;
 * a line no entry takes is an ipvsadm command line for the core.
 */
final class AdminCommands {

  /** Answers one command line. */
  private interface Handler {
    void answer(String line, Writer out) throws IOException;
  }

  /** One command: its name (for the operator), which lines it takes, and its answer. */
  private record Command(String name, Predicate<String> takes, Handler handler) {}

  private final Ipvs ipvs;
  private final @Nullable Forwarder forwarder;
  private final Supplier<@Nullable HealthChecker> checker;
  private final Supplier<@Nullable Runnable> drain;
  private final Supplier<@Nullable Supplier<String>> reload;
  private final List<Command> table;

  AdminCommands(
      Ipvs ipvs,
      @Nullable Forwarder forwarder,
      Supplier<@Nullable HealthChecker> checker,
      Supplier<@Nullable Runnable> drain,
      Supplier<@Nullable Supplier<String>> reload) {
    this.ipvs = ipvs;
    this.forwarder = forwarder;
    this.checker = checker;
    this.drain = drain;
    this.reload = reload;
    this.table =
        List.of(
            new Command("--drain", "--drain"::equals, this::drain),
            new Command("--reload", "--reload"::equals, this::reload),
            new Command("--forwarder", "--forwarder"::equals, this::forwarderStats),
            new Command("check", l -> l.equals("check") || HealthCheck.isCheckLine(l), this::check),
            new Command("ipvsadm", l -> true, this::ipvsadm));
  }

  /** Answers {@code line} with the first command that takes it. */
  void answer(String line, Writer out) throws IOException {
    for (Command c : table) {
      if (c.takes().test(line)) {
        c.handler().answer(line, out);
        return;
      }
    }
  }

  private void drain(String line, Writer out) throws IOException {
    Runnable d = drain.get();
    if (d == null) {
      out.write("error: this host does not drain on request\n");
    } else {
      d.run();
      out.write("draining\n");
    }
  }

  private void reload(String line, Writer out) throws IOException {
    Supplier<String> r = reload.get();
    out.write(r == null ? "error: this host does not reload on request\n" : r.get());
  }

  private void forwarderStats(String line, Writer out) throws IOException {
    Forwarder f = forwarder;
    out.write(f == null ? "error: no forwarder\n" : f.stats().render());
  }

  private void check(String line, Writer out) throws IOException {
    HealthChecker hc = checker.get();
    out.write(hc == null ? "error: this forwarder runs no health checks\n" : hc.answer(line));
  }

  /**
   * An ipvsadm line for the core; a service listing ends with the servers' health, and a change
   * that left a service unbound says so (the forwarder binds on the core's changes itself).
   */
  private void ipvsadm(String line, Writer out) throws IOException {
    long generation = ipvs.control().generation();
    try {
      Ipvsadm.execute(ipvs, line, out);
    } catch (IpvsadmException e) {
      out.write("error: " + e.getMessage() + "\n");
      return;
    } catch (RuntimeException e) {
      out.write("error: " + e + "\n");
      return;
    }
    HealthChecker hc = checker.get();
    if (hc != null && Ipvsadm.listsServices(line) && !hc.status().isEmpty()) {
      out.write("Health checks:\n");
      out.write(hc.render());
    }
    Forwarder f = forwarder;
    String problem = f == null ? null : f.bindProblem();
    if (problem != null && ipvs.control().generation() != generation) {
      out.write("warning: " + problem + "\n"); // the forwarder bound the others
    }
  }
}
