package io.pe4j.core;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * What the packet path reports while it takes a datagram along its path without doing anything (its
 * dry run): the steps as {@code ipvsadm --explain} prints them. It decides nothing: every decision
 * is the path's own, so that explain and process cannot disagree.
 */
final class Trace {

  /** A path's dry run: the verdict it would give, each step told to the trace. */
  @FunctionalInterface
  interface DryRun {
    Verdict run(Datagram d, Trace trace);
  }

  /** What a dry run returns when the scheduler would pick the server. */
  static final Verdict SCHEDULED = Verdict.drop("(the scheduler picks)");

  private static final long SECOND = 1_000_000_000L;

  private final StringBuilder sb = new StringBuilder();

  /** Set when the path would create a template: a new call. */
  boolean newTemplate;

  private @Nullable String scheduled;

  private Trace() {}

  /** Explains {@code d} as {@code path} would process it now. */
  static String explain(DryRun path, Datagram d) {
    Trace x = new Trace();
    x.line(
        "datagram",
        String.format(
            Locale.ROOT,
            "%s %s -> %s, %d bytes",
            d.protocol(),
            d.sourceAddress().withPort(d.sourcePort()),
            d.destinationAddress().withPort(d.destinationPort()),
            d.payloadLength()));
    Verdict v = path.run(d, x);
    String text;
    if (v == SCHEDULED) {
      text = x.scheduled + " (explain schedules nothing)";
    } else if (v == Verdict.PASS) {
      text = "PASS (no virtual service: the host's own business)";
    } else {
      text = v.toString();
    }
    return x.line("verdict", text).sb.toString();
  }

  /** Whether processing {@code d} now would create a template (a new call). Changes nothing. */
  static boolean wouldCreateTemplate(DryRun path, Datagram d) {
    Trace x = new Trace();
    path.run(d, x);
    return x.newTemplate;
  }

  private Trace line(String label, String text) {
    sb.append(String.format(Locale.ROOT, "%-14s%s%n", label + ":", text));
    return this;
  }

  void note(String text) {
    line("", text);
  }

  void connection(@Nullable Connection c, long now) {
    line(
        "connection",
        c == null
            ? "none"
            : c.destination.address.withPort(c.destinationPort)
                + ", expires in "
                + Math.max(0, (c.expiresAt - now) / SECOND)
                + " s (an existing connection wins over templates and engines)");
  }

  void service(@Nullable ServiceConfig cfg) {
    if (cfg == null) {
      line("service", "none");
      return;
    }
    StringBuilder s = new StringBuilder();
    s.append(cfg.service()).append(" -s ").append(cfg.schedulerName);
    if (cfg.persistent) {
      s.append(" -p ").append(cfg.timeoutSeconds);
    }
    if (cfg.onePacket) {
      s.append(" -o");
    }
    PersistenceEngine engine = cfg.engine;
    if (engine != null) {
      s.append(" --pe ").append(engine.name()).append(" --pe-failure ");
      s.append(cfg.failurePolicy.name().toLowerCase(Locale.ROOT));
    }
    line("service", s.toString());
    if (!cfg.persistent) {
      line("template", "none (not persistent)");
    }
  }

  void engine(PersistenceEngine engine, ConnParam param, PeResult r, FailurePolicy policy) {
    if (r.isMatch()) {
      line("engine", engine.name() + " found " + param.peDataPrintable());
      return;
    }
    line("engine", engine.name() + " found no key: " + r.reason());
    note(
        policy == FailurePolicy.DROP
            ? "dropped (--pe-failure drop)"
            : "falling back to address persistence (--pe-failure fallback)");
  }

  void key(ConnParam param, @Nullable PersistenceEngine keyEngine) {
    StringBuilder s = new StringBuilder();
    s.append(param.protocol()).append(' ').append(param.clientAddress()).append(" -> ");
    s.append(
        param.protocol() == Protocol.IP
            ? "fwmark " + param.virtualLo()
            : IpAddress.of(param.isIpv6(), param.virtualHi(), param.virtualLo())
                .withPort(param.virtualPort()));
    if (keyEngine != null) {
      s.append(" pe ").append(keyEngine.name()).append(' ').append(param.peDataPrintable());
    }
    line("template key", s.toString());
  }

  void template(@Nullable Template t, long now) {
    line(
        "template",
        t == null
            ? "none"
            : "found: "
                + t.destination.address.withPort(t.destinationPort)
                + (t.isAssured() ? ", ASSURED" : ", NONE")
                + ", expires in "
                + Math.max(0, t.remainingNanos(now) / SECOND)
                + " s");
  }

  void scheduled(ServiceConfig cfg, String what) {
    scheduled =
        what
            + ", its server picked by "
            + cfg.schedulerName
            + " among "
            + cfg.servers.size()
            + " servers";
  }
}
