package io.pe4j.metrics;

import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.pe4j.forwarder.Forwarder;
import io.pe4j.forwarder.ForwarderStats;
import io.pe4j.forwarder.health.HealthChecker;
import java.util.HashSet;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The meters of pe4j's forwarder and health checks, beside {@link Pe4jMetrics}' core meters: the
 * forwarder's datagrams and drops by reason, sessions and kernel socket drops, and each real
 * server's health. Needs {@code pe4j-forwarder} on the class path (an optional dependency of {@code
 * pe4j-micrometer}). {@link #refresh()} adds the meters of new drop reasons and checks and removes
 * those of checks removed.
 */
public final class ForwarderMetrics implements MeterBinder {

  private final @Nullable Forwarder forwarder;
  private final @Nullable HealthChecker checker;
  private @Nullable MeterRegistry registry;
  private final Set<Meter.Id> dynamic = new HashSet<>();

  /**
   * Meters for {@code forwarder} and {@code checker}, each when given.
   *
   * @param forwarder the forwarder, or null
   * @param checker the health checker of its real servers, or null
   */
  public ForwarderMetrics(@Nullable Forwarder forwarder, @Nullable HealthChecker checker) {
    this.forwarder = forwarder;
    this.checker = checker;
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    this.registry = registry;
    Forwarder f = forwarder;
    if (f != null) {
      ForwarderStats s = f.stats();
      Pe4jMetrics.counter(
          registry,
          "pe4j.forwarder.datagrams",
          s,
          ForwarderStats::clientDatagrams,
          Tags.of("from", "clients"),
          "datagrams received");
      Pe4jMetrics.counter(
          registry,
          "pe4j.forwarder.datagrams",
          s,
          ForwarderStats::serverDatagrams,
          Tags.of("from", "servers"),
          "datagrams received");
      Pe4jMetrics.counter(
          registry,
          "pe4j.forwarder.forwarded",
          s,
          ForwarderStats::forwarded,
          Tags.empty(),
          "client datagrams sent to real servers");
      Pe4jMetrics.counter(
          registry,
          "pe4j.forwarder.returned",
          s,
          ForwarderStats::returned,
          Tags.empty(),
          "server datagrams sent back to clients");
      Pe4jMetrics.counter(
          registry,
          "pe4j.forwarder.cluster.held",
          s,
          ForwarderStats::clusterHeld,
          Tags.empty(),
          "client datagrams held while the cluster answered which server their new call has");
      Gauge.builder("pe4j.forwarder.sessions", f, Forwarder::sessions)
          .description("client sessions open (one upstream socket each)")
          .register(registry);
      Gauge.builder("pe4j.forwarder.socket.drops", s, x -> Math.max(0, x.socketReceiveDrops()))
          .description("datagrams the kernel dropped on this process's full UDP receive buffers")
          .register(registry);
    }
    refresh();
  }

  /** Registers the meters of drop reasons and checks that appeared since; removes those gone. */
  public synchronized void refresh() {
    MeterRegistry r = registry;
    if (r == null) {
      return;
    }
    Set<Meter.Id> now = new HashSet<>();
    Forwarder f = forwarder;
    if (f != null) {
      ForwarderStats s = f.stats();
      for (String reason : s.drops().keySet()) {
        now.add(
            Pe4jMetrics.fc(
                r,
                "pe4j.forwarder.drops",
                s,
                x -> x.drops().getOrDefault(reason, 0L),
                Tags.of("from", "clients", "reason", reason),
                "datagrams dropped, by reason"));
      }
      for (String reason : s.replyDrops().keySet()) {
        now.add(
            Pe4jMetrics.fc(
                r,
                "pe4j.forwarder.drops",
                s,
                x -> x.replyDrops().getOrDefault(reason, 0L),
                Tags.of("from", "servers", "reason", reason),
                "datagrams dropped, by reason"));
      }
    }
    HealthChecker hc = checker;
    if (hc != null) {
      for (HealthChecker.Status st : hc.status()) {
        String service = st.check().serviceText();
        String server = st.check().serverText();
        Tags t = Tags.of("service", service, "server", server);
        now.add(
            Pe4jMetrics.gauge(
                r,
                "pe4j.server.up",
                hc,
                c -> c.state(service, server) == HealthChecker.State.UP ? 1 : 0,
                t,
                "1 when the real server's health check passes, 0 when it is out"));
        now.add(
            Pe4jMetrics.fc(
                r,
                "pe4j.health.checks",
                hc,
                c -> field(c, service, server, 0),
                t.and("result", "ok"),
                "health checks run"));
        now.add(
            Pe4jMetrics.fc(
                r,
                "pe4j.health.checks",
                hc,
                c -> field(c, service, server, 1),
                t.and("result", "failed"),
                "health checks run"));
        now.add(
            Pe4jMetrics.fc(
                r,
                "pe4j.health.icmp.unreachable",
                hc,
                c -> field(c, service, server, 2),
                t,
                "checks answered by ICMP port unreachable"));
        now.add(
            Pe4jMetrics.fc(
                r,
                "pe4j.health.transitions",
                hc,
                c -> field(c, service, server, 3),
                t.and("to", "down"),
                "state changes"));
        now.add(
            Pe4jMetrics.fc(
                r,
                "pe4j.health.transitions",
                hc,
                c -> field(c, service, server, 4),
                t.and("to", "up"),
                "state changes"));
        now.add(
            Pe4jMetrics.fc(
                r,
                "pe4j.health.checks.skipped",
                hc,
                c -> field(c, service, server, 5),
                t,
                "check turns skipped: the previous probe had not ended, or the turn had passed"));
        now.add(
            Pe4jMetrics.gauge(
                r,
                "pe4j.health.interval.measured.seconds",
                hc,
                c -> field(c, service, server, 6) / 1000.0,
                t,
                "seconds between the check's last two probes"));
      }
    }
    for (Meter.Id gone : dynamic) {
      if (!now.contains(gone)) {
        r.remove(gone); // a removed check
      }
    }
    dynamic.clear();
    dynamic.addAll(now);
  }

  private static double field(HealthChecker c, String service, String server, int which) {
    for (HealthChecker.Status s : c.status()) {
      if (s.check().serviceText().equals(service) && s.check().serverText().equals(server)) {
        return switch (which) {
          case 0 -> s.successes();
          case 1 -> s.failures();
          case 2 -> s.icmpUnreachable();
          case 3 -> s.wentDown();
          case 4 -> s.cameUp();
          case 5 -> s.skipped();
          default -> s.measuredIntervalMillis();
        };
      }
    }
    return 0;
  }
}
