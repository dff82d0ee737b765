package io.pe4j.metrics;

import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.Meter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Tags;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.pe4j.core.Destination;
import io.pe4j.core.Ipvs;
import io.pe4j.core.VirtualService;
import java.util.HashSet;
import java.util.Map;
import java.util.Set;
import java.util.function.ToDoubleFunction;
import org.jspecify.annotations.Nullable;

/**
 * The meters of a pe4j core: its templates and connections, datagrams and bytes per virtual service
 * and real server, engine no-matches by reason, the cluster's calls — for any host; {@link
 * ForwarderMetrics} adds the forwarder's and the health checks' (and needs {@code pe4j-forwarder},
 * an optional dependency of this module). Names follow Micrometer's conventions ({@code pe4j.}
 * prefix, dots, base units: bytes), which a Prometheus registry renders as {@code
 * pe4j_service_packets_total} and so on. Tags name virtual services ({@code service="UDP
 * 10.0.0.1:5060"}), real servers ({@code server="192.168.10.1:5060"}), directions, engines and
 * reasons — never a Call-ID or a client address.
 *
 * <p>Services and servers come and go: {@link #refresh()} (called by {@link #bindTo} and before
 * each scrape by {@code pe4j forward --metrics}) adds the meters of new ones and removes those of
 * deleted ones. Values are read when the registry reads them; nothing is added to the datagram's
 * path.
 */
public final class Pe4jMetrics implements MeterBinder {

  private final Ipvs ipvs;
  private @Nullable MeterRegistry registry;
  private final Set<Meter.Id> dynamic = new HashSet<>();

  /** Meters for {@code ipvs}: the core alone, for any host (no forwarder, no Netty needed). */
  public Pe4jMetrics(Ipvs ipvs) {
    this.ipvs = java.util.Objects.requireNonNull(ipvs, "ipvs");
  }

  @Override
  public synchronized void bindTo(MeterRegistry registry) {
    this.registry = registry;
    Gauge.builder("pe4j.templates.active", ipvs, Ipvs::templateCount)
        .description("connection templates in the table, invalidated ones included")
        .register(registry);
    FunctionCounter.builder("pe4j.templates.creations", ipvs, Ipvs::templatesCreated)
        .description("templates created")
        .register(registry);
    FunctionCounter.builder("pe4j.templates.removals", ipvs, Ipvs::templatesRemoved)
        .description("templates that left the table: expired, evicted or removed")
        .register(registry);
    Gauge.builder("pe4j.connections.active", ipvs, Ipvs::connectionCount)
        .description("connection entries")
        .register(registry);
    FunctionCounter.builder("pe4j.shared.errors", ipvs, Ipvs::sharedTemplateErrors)
        .description("operations on the cluster's shared template table that failed")
        .register(registry);
    String calls = "new calls offered to the cluster, by what became of them";
    counter(
        registry,
        "pe4j.cluster.calls",
        ipvs,
        i -> i.clusterCounts().answered(),
        Tags.of("outcome", "answered"),
        calls);
    counter(
        registry,
        "pe4j.cluster.calls",
        ipvs,
        i -> i.clusterCounts().alone(),
        Tags.of("outcome", "alone"),
        calls);
    counter(
        registry,
        "pe4j.cluster.calls",
        ipvs,
        i -> i.clusterCounts().overruled(),
        Tags.of("outcome", "overruled"),
        calls);
    refresh();
  }

  static <T> void counter(
      MeterRegistry r, String name, T obj, ToDoubleFunction<T> f, Tags tags, String description) {
    FunctionCounter.builder(name, obj, f).tags(tags).description(description).register(r);
  }

  /** Registers the meters of services, servers, reasons and checks that appeared since. */
  public synchronized void refresh() {
    MeterRegistry r = registry;
    if (r == null) {
      return;
    }
    Set<Meter.Id> now = new HashSet<>();
    for (VirtualService svc : ipvs.services()) {
      Tags st = Tags.of("service", svc.toString());
      now.add(
          fc(
              r,
              "pe4j.service.packets",
              svc,
              v -> v.counters().inPackets(),
              st.and("direction", "in"),
              "packets from clients (IPVS InPkts)"));
      now.add(
          fc(
              r,
              "pe4j.service.packets",
              svc,
              v -> v.counters().outPackets(),
              st.and("direction", "out"),
              "packets from real servers (IPVS OutPkts)"));
      now.add(
          fc(
              r,
              "pe4j.service.bytes",
              svc,
              v -> v.counters().inBytes(),
              st.and("direction", "in"),
              "bytes from clients, IP headers included (InBytes)"));
      now.add(
          fc(
              r,
              "pe4j.service.bytes",
              svc,
              v -> v.counters().outBytes(),
              st.and("direction", "out"),
              "bytes from real servers (OutBytes)"));
      now.add(
          fc(
              r,
              "pe4j.service.connections",
              svc,
              v -> v.counters().conns(),
              st,
              "connections scheduled (IPVS Conns)"));
      now.add(
          fc(
              r,
              "pe4j.templates.evictions",
              svc,
              VirtualService::templatesEvicted,
              st,
              "templates evicted from a full table (they never became established)"));
      now.add(
          fc(
              r,
              "pe4j.templates.refusals",
              svc,
              VirtualService::templatesRefused,
              st,
              "new keys scheduled without a template: table full"));
      for (Map.Entry<String, Long> e : svc.engineFailures().entrySet()) {
        String reason = e.getKey();
        now.add(
            fc(
                r,
                "pe4j.engine.nomatch",
                svc,
                v -> v.engineFailures().getOrDefault(reason, 0L),
                st.and("engine", engineName(svc), "reason", reason),
                "datagrams the engine found no key in"));
      }
      for (Destination d : svc.destinations()) {
        Tags dt = st.and("server", d.address().withPort(d.port()));
        now.add(
            fc(
                r,
                "pe4j.server.packets",
                d,
                x -> x.counters().inPackets(),
                dt.and("direction", "in"),
                "packets sent to the real server"));
        now.add(
            fc(
                r,
                "pe4j.server.packets",
                d,
                x -> x.counters().outPackets(),
                dt.and("direction", "out"),
                "packets from the real server"));
        now.add(
            fc(
                r,
                "pe4j.server.bytes",
                d,
                x -> x.counters().inBytes(),
                dt.and("direction", "in"),
                "bytes sent to the real server"));
        now.add(
            fc(
                r,
                "pe4j.server.bytes",
                d,
                x -> x.counters().outBytes(),
                dt.and("direction", "out"),
                "bytes from the real server"));
        now.add(
            gauge(r, "pe4j.server.weight", d, Destination::weight, dt, "weight (0: quiescent)"));
        now.add(
            gauge(
                r,
                "pe4j.server.templates",
                d,
                Destination::persistConns,
                dt,
                "templates bound to the real server (PersistConn)"));
      }
    }
    for (Meter.Id gone : dynamic) {
      if (!now.contains(gone)) {
        r.remove(gone); // a deleted service, server or check
      }
    }
    dynamic.clear();
    dynamic.addAll(now);
  }

  private static String engineName(VirtualService svc) {
    var e = svc.engine();
    return e == null ? "none" : e.name();
  }

  static <T> Meter.Id fc(
      MeterRegistry r, String name, T obj, ToDoubleFunction<T> f, Tags tags, String d) {
    return FunctionCounter.builder(name, obj, f).tags(tags).description(d).register(r).getId();
  }

  static <T> Meter.Id gauge(
      MeterRegistry r, String name, T obj, ToDoubleFunction<T> f, Tags tags, String d) {
    return Gauge.builder(name, obj, f).tags(tags).description(d).register(r).getId();
  }
}
