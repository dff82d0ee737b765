package io.pe4j.cli;

import io.pe4j.core.Destination;
import io.pe4j.core.Ipvs;
import io.pe4j.core.VirtualService;
import io.pe4j.core.ipvsadm.Ipvsadm;
import io.pe4j.forwarder.Forwarder;
import io.pe4j.forwarder.ForwarderStats;
import io.pe4j.forwarder.health.HealthChecker;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.function.Supplier;

/**
 * The status page at {@code /} of the metrics endpoint, what HAProxy's stats page is to its
 * operators: services, servers with weight, health and last check, connections and templates,
 * rates, drops by reason, cluster members. One HTML file with its own styles and script (no asset
 * from anywhere else), which reads {@code /status.json} every second; rates are the difference of
 * two readings.
 */
final class StatusPage {

  private final Ipvs ipvs;
  private final Forwarder forwarder;
  private final HealthChecker checker;
  private final Supplier<List<String>> members;
  private final long started = System.nanoTime();

  StatusPage(
      Ipvs ipvs, Forwarder forwarder, HealthChecker checker, Supplier<List<String>> members) {
    this.ipvs = ipvs;
    this.forwarder = forwarder;
    this.checker = checker;
    this.members = members;
  }

  /** The page: HTML, styles and script in one file. */
  static byte[] html() {
    try (InputStream in = StatusPage.class.getResourceAsStream("status.html")) {
      return Objects.requireNonNull(in, "status.html is missing from the jar").readAllBytes();
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  /** What the page shows, now, as JSON. */
  String json() {
    ipvs.cleanUp();
    Map<String, HealthChecker.Status> health = new HashMap<>();
    for (HealthChecker.Status s : checker.status()) {
      health.put(s.check().serviceText() + " " + s.check().serverText(), s);
    }
    long now = System.nanoTime();
    ForwarderStats stats = forwarder.stats();
    Json j = new Json();
    j.open('{');
    j.field("version", Pe4j.VERSION);
    j.field("uptimeSeconds", (now - started) / 1_000_000_000L);
    j.field("transport", forwarder.transport());
    j.field("sessions", forwarder.sessions());
    j.field("templates", ipvs.templateCount());
    j.field("connections", ipvs.connectionCount());
    j.key("counters").open('{');
    j.field("clientDatagrams", stats.clientDatagrams());
    j.field("forwarded", stats.forwarded());
    j.field("serverDatagrams", stats.serverDatagrams());
    j.field("returned", stats.returned());
    j.field("socketReceiveDrops", stats.socketReceiveDrops());
    j.close('}');
    j.key("drops").map(stats.drops());
    j.key("replyDrops").map(stats.replyDrops());
    j.key("cluster").open('{');
    j.field("clustered", ipvs.isClustered());
    Ipvs.ClusterCounts c = ipvs.clusterCounts();
    j.field("offered", c.offered());
    j.field("alone", c.alone());
    j.field("overruled", c.overruled());
    j.field("errors", c.errors());
    j.key("members").open('[');
    for (String m : members.get()) {
      j.value(m);
    }
    j.close(']');
    j.close('}');
    j.key("services").open('[');
    for (VirtualService svc : ipvs.services()) {
      String service = Ipvsadm.selector(svc);
      j.open('{');
      j.field("service", service);
      j.field("scheduler", svc.schedulerName());
      j.field("persistence", svc.isPersistent() ? svc.timeoutSeconds() : 0);
      var engine = svc.engine();
      j.field("engine", engine == null ? "" : engine.name());
      j.field("onePacket", svc.isOnePacket());
      j.field("inPackets", svc.counters().inPackets());
      j.field("outPackets", svc.counters().outPackets());
      j.key("servers").open('[');
      for (Destination d : svc.destinations()) {
        String server = d.address().withPort(d.port());
        HealthChecker.Status h = health.get(service + " " + server);
        j.open('{');
        j.field("server", server);
        j.field("method", d.method().listingName());
        j.field("weight", d.weight());
        j.field("active", d.activeConns());
        j.field("inactive", d.inactiveConns());
        j.field("templates", d.persistConns());
        j.field("inPackets", d.counters().inPackets());
        j.field("health", h == null ? "" : h.state().name());
        j.field("lastCheck", h == null ? "" : h.lastResult());
        j.field(
            "lastCheckSecondsAgo",
            h == null || h.lastProbeNanos() == 0
                ? -1
                : (now - h.lastProbeNanos()) / 1_000_000_000.0);
        j.close('}');
      }
      j.close(']');
      j.close('}');
    }
    j.close(']');
    j.close('}');
    return j.toString();
  }

  static byte[] utf8(String s) {
    return s.getBytes(StandardCharsets.UTF_8);
  }
}
