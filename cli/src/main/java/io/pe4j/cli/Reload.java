package io.pe4j.cli;

import io.pe4j.core.Destination;
import io.pe4j.core.Ipvs;
import io.pe4j.core.IpvsadmException;
import io.pe4j.core.Timeouts;
import io.pe4j.core.VirtualService;
import io.pe4j.core.ipvsadm.Ipvsadm;
import io.pe4j.forwarder.health.HealthCheck;
import io.pe4j.forwarder.health.HealthChecker;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Reload ({@code SIGHUP}, the admin line {@code --reload}): reads the rules file (or keepalived
 * file) again, works out what differs from the running configuration, and applies the difference as
 * one change — services added, removed and edited, real servers added, removed and edited (weights,
 * methods, thresholds), timeouts, health checks replaced. What did not change keeps its templates
 * and connections; a server whose weight becomes 0 drains as with {@code -e -w 0}. A file with an
 * error applies nothing: the error names the file and line, the running configuration stays, and
 * the failure is counted.
 */
final class Reload {

  private static final System.Logger LOG = System.getLogger("io.pe4j.cli");

  private final Ipvs ipvs;
  private final Path source;
  private final boolean keepalived;
  private final @Nullable HealthChecker checker;
  private final AtomicLong done = new AtomicLong();
  private final AtomicLong failed = new AtomicLong();

  Reload(Ipvs ipvs, Path source, boolean keepalived, @Nullable HealthChecker checker) {
    this.ipvs = ipvs;
    this.source = source;
    this.keepalived = keepalived;
    this.checker = checker;
  }

  /** Reloads that applied (nothing to change included). */
  long done() {
    return done.get();
  }

  /** Reloads refused because the file had an error. */
  long failed() {
    return failed.get();
  }

  /**
   * Reloads now; returns what it did, one line per change ("no change" when none), or {@code error:
   * ...} when the file has an error (then nothing is applied). Logged either way.
   */
  synchronized String run() {
    StringWriter warnings = new StringWriter();
    List<HealthCheck> checks;
    Ipvs wanted = Ipvs.builder().engines(ipvs.engines()).build();
    try {
      checks = RulesFile.load(wanted, source, keepalived, new PrintWriter(warnings, true));
    } catch (IllegalArgumentException e) {
      failed.incrementAndGet();
      String m = "reload refused, nothing changed: " + e.getMessage();
      LOG.log(System.Logger.Level.ERROR, m);
      return "error: " + m + "\n";
    }
    List<String> commands = plan(ipvs, wanted);
    List<String> changes = new ArrayList<>(commands);
    try {
      ipvs.control().batch(() -> commands.forEach(ipvs::ipvsadm)); // one publication
    } catch (IpvsadmException | IllegalArgumentException e) {
      failed.incrementAndGet();
      String m = "reload failed while applying (" + e.getMessage() + "): " + commands;
      LOG.log(System.Logger.Level.ERROR, m);
      return "error: " + m + "\n";
    }
    HealthChecker hc = checker;
    if (hc != null) {
      changes.addAll(replaceChecks(hc, checks));
    }
    done.incrementAndGet();
    StringBuilder out = new StringBuilder();
    warnings.toString().lines().forEach(w -> out.append(w).append('\n'));
    if (changes.isEmpty()) {
      out.append("reload: no change\n");
    }
    for (String c : changes) {
      out.append("reload: ").append(c).append('\n');
    }
    LOG.log(
        System.Logger.Level.INFO,
        "reloaded " + source + ": " + (changes.isEmpty() ? "no change" : changes));
    return out.toString();
  }

  /**
   * The ipvsadm lines that take {@code running} to {@code wanted}: additions and edits first,
   * deletions last (a failure meets the deletions last), every line applied in one batch.
   */
  static List<String> plan(Ipvs running, Ipvs wanted) {
    Map<String, String> from = serviceLines(running);
    Map<String, String> to = serviceLines(wanted);
    List<String> adds = new ArrayList<>();
    List<String> edits = new ArrayList<>();
    List<String> deletes = new ArrayList<>();
    for (Map.Entry<String, String> e : to.entrySet()) {
      String sel = e.getKey();
      String line = e.getValue();
      String was = from.get(sel);
      if (was == null) {
        adds.add(line);
      } else if (!was.equals(line)) {
        edits.add("-E" + line.substring(2));
      }
      Map<String, String> destsFrom = was == null ? Map.of() : destinationLines(running, sel);
      Map<String, String> destsTo = destinationLines(wanted, sel);
      for (Map.Entry<String, String> d : destsTo.entrySet()) {
        String old = destsFrom.get(d.getKey());
        if (old == null) {
          adds.add("-a " + sel + " " + d.getValue());
        } else if (!old.equals(d.getValue())) {
          edits.add("-e " + sel + " " + d.getValue());
        }
      }
      for (String server : destsFrom.keySet()) {
        if (!destsTo.containsKey(server)) {
          deletes.add("-d " + sel + " " + server);
        }
      }
    }
    for (String sel : from.keySet()) {
      if (!to.containsKey(sel)) {
        deletes.add("-D " + sel);
      }
    }
    Timeouts a = running.timeouts();
    Timeouts b = wanted.timeouts();
    if (!a.equals(b)) {
      edits.add("--set " + b.tcp() + " " + b.tcpFin() + " " + b.udp());
    }
    List<String> all = new ArrayList<>(adds);
    all.addAll(edits);
    all.addAll(deletes);
    return all;
  }

  /** Each service's {@code -A} line (as {@code -Sn} saves it), by its selector. */
  private static Map<String, String> serviceLines(Ipvs ipvs) {
    Map<String, String> out = new LinkedHashMap<>();
    for (String line : Ipvsadm.execute(ipvs, "-Sn").split("\n")) {
      if (line.startsWith("-A ")) {
        out.put(selectorOf(line), line);
      }
    }
    return out;
  }

  /** {@code -u 10.0.0.1:5060}, {@code -f 1 -6}: the words before {@code -s}. */
  private static String selectorOf(String line) {
    int s = line.indexOf(" -s ");
    return line.substring(3, s);
  }

  /** A service's servers with every setting a reload may change, by {@code -r ADDRESS:PORT}. */
  private static Map<String, String> destinationLines(Ipvs ipvs, String selector) {
    Map<String, String> out = new LinkedHashMap<>();
    for (VirtualService svc : ipvs.services()) {
      if (!selector.equals(Ipvsadm.selector(svc))) {
        continue;
      }
      for (Destination d : svc.destinations()) {
        String server = "-r " + d.address().withPort(d.port());
        out.put(
            server,
            server
                + " "
                + d.method().option()
                + " -w "
                + d.weight()
                + " -x "
                + d.upperThreshold()
                + " -y "
                + d.lowerThreshold());
      }
    }
    return out;
  }

  /** Replaces the health checks with {@code wanted}; returns what changed. */
  private static List<String> replaceChecks(HealthChecker hc, List<HealthCheck> wanted) {
    List<String> changes = new ArrayList<>();
    Set<String> keep = new HashSet<>();
    Set<HealthCheck> present = new HashSet<>();
    for (HealthChecker.Status s : hc.status()) {
      present.add(s.check());
    }
    for (HealthCheck c : wanted) {
      keep.add(c.serviceText() + " " + c.serverText());
      if (!present.contains(c)) {
        hc.add(c);
        changes.add(c.toString());
      }
    }
    for (HealthCheck c : present) {
      if (!keep.contains(c.serviceText() + " " + c.serverText())) {
        hc.remove(c.serviceText(), c.serverText());
        changes.add("check -d " + c.serviceText() + " -r " + c.serverText());
      }
    }
    return changes;
  }
}
