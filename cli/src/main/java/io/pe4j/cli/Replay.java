package io.pe4j.cli;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import io.pe4j.cli.capture.CaptureSource;
import io.pe4j.core.Destination;
import io.pe4j.core.Ipvs;
import io.pe4j.core.Verdict;
import io.pe4j.core.VirtualService;
import io.pe4j.core.ipvsadm.Ipvsadm;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * {@code pe4j replay}'s engine: the datagrams of a capture through cores in the capture's own time
 * (its timestamps drive their clock), with the events of the operator's plan applied when their
 * time comes; what happened, kept for the report. With {@code --nodes N} a datagram lands on a node
 * by its client address (rendezvous hashing: a node that stops sends only its own clients
 * elsewhere), and the nodes agree as chosen: each with its own core ({@code none}; with {@code -s
 * mh -b mh-pe} they agree by construction), or one shared table ({@code shared}: a cluster whose
 * answer always comes in time).
 */
final class Replay {

  /** How the nodes of {@code --nodes N} agree on a call's server. */
  enum Agreement {
    NONE,
    SHARED
  }

  /** Heap per template in the replay's store, the table (BENCHMARKS.md §16, a 41-byte Call-ID). */
  static final long BYTES_PER_TEMPLATE = 224;

  private static final long SECOND = 1_000_000_000L;

  private final AtomicLong clock = new AtomicLong(SECOND);
  private final List<Ipvs> cores = new ArrayList<>();
  private final ReplayNodes nodesAndCores;
  private final int nodes;
  private final Agreement agreement;
  private final @Nullable InetSocketAddress service;
  private final List<ReplayEvents.Event> events;
  private final long[] moved;
  private final List<String> eventErrors = new ArrayList<>();
  private int nextEvent;
  private long lastEventAt = Long.MIN_VALUE;
  private int lastEvent = -1;

  private final ReplayKeys keys = new ReplayKeys();
  private final Datagram d = new Datagram();
  private final ConnParam param = new ConnParam();
  private final ReplayCalls.Key probe = new ReplayCalls.Key(); // refilled for each datagram

  // what happened
  private long first = Long.MIN_VALUE;
  private long now; // capture time from the first datagram
  long datagrams;
  long fromServers;
  final Map<String, Long> serverVerdicts = new TreeMap<>();
  final Map<String, Long> notForAService = new TreeMap<>();
  final Map<String, Long> drops = new TreeMap<>();
  final Map<String, ReplayService> services = new LinkedHashMap<>();
  long peakTemplates;
  long peakAtNanos;
  final List<long[]> templateSeries = new ArrayList<>(); // {seconds, templates}
  private long seriesStep = SECOND;
  private long nextSample;
  private Set<AddressPort> realServers = Set.of();
  private Set<IpAddress> realServerAddresses = Set.of();
  private final java.util.IdentityHashMap<VirtualService, ReplayService> byService =
      new java.util.IdentityHashMap<>();
  private final java.util.IdentityHashMap<Destination, String> serverNames =
      new java.util.IdentityHashMap<>();

  private record AddressPort(IpAddress address, int port) {}

  private long realServersGeneration = -1;

  /**
   * Loads the rules into a core per node (one for a shared table).
   *
   * @throws IllegalArgumentException with the file and line of a bad rule
   */
  Replay(
      Path rules,
      boolean keepalived,
      @Nullable InetSocketAddress service,
      int nodes,
      Agreement agreement,
      int seed,
      List<ReplayEvents.Event> events) {
    this.nodes = nodes;
    this.agreement = agreement;
    this.service = service;
    this.events = events;
    this.moved = new long[events.size()];
    int count = agreement == Agreement.SHARED ? 1 : nodes;
    io.pe4j.api.PersistenceEngines engines = keys.engines();
    for (int i = 0; i < count; i++) {
      // pe4j's own table: the Caffeine store's semantics (the same contract, the 58 scenarios) in
      // 20-28 % less time per replay (BENCHMARKS.md §18)
      Ipvs ipvs =
          Ipvs.builder()
              .ticker(clock::get)
              .engines(engines)
              .seed(seed + i)
              .templateStore(Ipvs.TemplateStoreKind.TABLE)
              .build();
      RulesFile.load(ipvs, rules, keepalived, new PrintWriter(new StringWriter()));
      cores.add(ipvs);
    }
    this.nodesAndCores = new ReplayNodes(nodes, cores);
    for (VirtualService svc : cores.get(0).services()) {
      String name = Ipvsadm.selector(svc);
      ReplayService s = new ReplayService(name, describe(svc), idleNanos(svc));
      services.put(name, s);
      List<Destination> inOrder = new ArrayList<>(svc.destinations());
      java.util.Collections.reverse(inOrder); // the kernel lists the newest first: the file's order
      for (Destination dest : inOrder) {
        String rs = dest.address().withPort(dest.port());
        s.server(rs)[2] = dest.weight();
      }
    }
    if (service != null && lookup(cores.get(0), service) == null) {
      throw new IllegalArgumentException(
          rules + ": no UDP virtual service " + service.getHostString() + ":" + service.getPort());
    }
  }

  private static String describe(VirtualService svc) {
    var engine = svc.engine();
    return svc.schedulerName()
        + (svc.isPersistent() ? ", persistent " + svc.timeoutSeconds() + " s" : "")
        + (engine == null ? "" : ", pe " + engine.name())
        + (svc.isOnePacket() ? ", ops" : "");
  }

  /**
   * How long a call may be quiet before a new datagram of it is a new call: its template's life.
   */
  private static long idleNanos(VirtualService svc) {
    return (svc.isPersistent() ? svc.timeoutSeconds() : 300) * SECOND + SECOND;
  }

  private static @Nullable VirtualService lookup(Ipvs ipvs, InetSocketAddress a) {
    return ipvs.service(Protocol.UDP, IpAddress.of(a.getAddress()), a.getPort(), 0);
  }

  /** Takes the next datagram of the capture (kept only during the call). */
  void offer(CaptureSource.Packet p) {
    if (first == Long.MIN_VALUE) {
      first = p.timeNanos();
    }
    now = Math.max(now, p.timeNanos() - first); // a capture's clock may step back: time does not
    clock.set(SECOND + now);
    while (nextEvent < events.size() && events.get(nextEvent).atNanos() <= now) {
      apply(nextEvent++);
    }
    sample();
    datagrams++;
    IpAddress src = IpAddress.of(p.source());
    IpAddress dst = IpAddress.of(p.destination());
    if (isRealServer(src, p.sourcePort())) {
      fromServers++;
      Ipvs core =
          cores.get(
              agreement == Agreement.SHARED ? 0 : nodesAndCores.node(dst, p.destinationPort()));
      d.set(Protocol.UDP, src, p.sourcePort(), dst, p.destinationPort())
          .payload(p.payload(), 0, p.payloadLength());
      count(serverVerdicts, core.processFromServer(d).kind().name());
      return;
    }
    if (service != null) {
      dst = IpAddress.of(service.getAddress());
      if (dst.isIpv6() != src.isIpv6()) {
        count(notForAService, "another address family than --service");
        return;
      }
    }
    int dport = service != null ? service.getPort() : p.destinationPort();
    int node = nodesAndCores.node(src, p.sourcePort());
    Ipvs core = cores.get(agreement == Agreement.SHARED ? 0 : node);
    d.set(Protocol.UDP, src, p.sourcePort(), dst, dport).payload(p.payload(), 0, p.payloadLength());
    keys.next();
    Verdict v = core.process(d);
    switch (v.kind()) {
      case PASS -> count(notForAService, dst.withPort(dport));
      case FORWARD -> forwarded(core, v, src, p.sourcePort(), dst, dport, node);
      default -> count(drops, v.kind() + ": " + v.reason());
    }
  }

  private void forwarded(
      Ipvs core, Verdict v, IpAddress src, int sport, IpAddress dst, int dport, int node) {
    Destination dest = v.destination();
    VirtualService svc = dest == null ? core.service(Protocol.UDP, dst, dport, 0) : dest.service();
    if (svc == null || dest == null) {
      count(drops, "FORWARD without a service");
      return;
    }
    ReplayService s = byService.get(svc);
    if (s == null) {
      s =
          services.computeIfAbsent(
              Ipvsadm.selector(svc), k -> new ReplayService(k, describe(svc), idleNanos(svc)));
      byService.put(svc, s);
    }
    String server = serverNames.computeIfAbsent(dest, x -> x.address().withPort(x.port()));
    long[] row = s.server(server);
    row[0]++;
    ReplayCalls.Key callKey = key(svc, src, sport);
    if (callKey == null) {
      s.unkeyed++;
      return;
    }
    ReplayCalls.Call c = s.calls.see(callKey, server, node, now);
    if (c.datagrams == 1) {
      row[1]++;
    } else if (c.changed) {
      String reason = why(core, svc, c, node);
      s.calls.split(c, reason);
      if (lastEvent >= 0 && c.previousSeen < lastEventAt) {
        moved[lastEvent]++;
      }
    }
  }

  /** Why a call's datagram went to another server than the one before. */
  private String why(Ipvs core, VirtualService svc, ReplayCalls.Call c, int node) {
    String previous = c.previousServer;
    Destination before = null;
    for (Destination x : svc.destinations()) {
      if (x.address().withPort(x.port()).equals(previous)) {
        before = x;
      }
    }
    if (before == null) {
      return "its server was removed";
    }
    if (before.weight() == 0) {
      return "its server was quiesced (weight 0) and its template ended";
    }
    if (c.previousNode != node && agreement == Agreement.NONE && nodes > 1) {
      return "its client moved to another node (no shared table)";
    }
    if (now - c.previousSeen > idleNanos(svc) - SECOND) {
      return "its template expired (idle longer than the timeout), rescheduled";
    }
    return svc.isPersistent()
        ? "rescheduled (its template was gone)"
        : "scheduled again (no persistence)";
  }

  /** The call a datagram belongs to: the engine's key, or without an engine the client. */
  private ReplayCalls.@Nullable Key key(VirtualService svc, IpAddress src, int sport) {
    PersistenceEngine engine = svc.engine();
    if (engine == null) {
      return probe.fill(src, sport); // an address and a port: here, the client's
    }
    if (keys.asked()) {
      return keys.key(); // what the core's own call found
    }
    param.set(d.isIpv6(), Protocol.UDP, 0, 0, 0, 0, 0, d.destinationPort(), engine);
    PeResult r;
    try {
      r = engine.fillParam(param, d);
    } catch (RuntimeException e) {
      return null;
    }
    if (!r.isMatch() || !param.hasPeData()) {
      return null;
    }
    return probe.fill(param); // equal and hashed by its bytes
  }

  private boolean isRealServer(IpAddress address, int port) {
    Ipvs core = cores.get(0);
    long generation = core.control().generation();
    if (generation != realServersGeneration) {
      Set<AddressPort> rs = new HashSet<>();
      Set<IpAddress> addresses = new HashSet<>();
      for (VirtualService svc : core.services()) {
        for (Destination x : svc.destinations()) {
          rs.add(new AddressPort(x.address(), x.port()));
          addresses.add(x.address());
        }
      }
      realServers = rs;
      realServerAddresses = addresses;
      realServersGeneration = generation;
    }
    // most datagrams come from clients: their address alone says so, without a pair to hash
    return realServerAddresses.contains(address)
        && realServers.contains(new AddressPort(address, port));
  }

  private void apply(int index) {
    ReplayEvents.Event e = events.get(index);
    lastEventAt = now;
    lastEvent = index;
    String error = nodesAndCores.apply(e);
    if (error != null) {
      eventErrors.add("line " + e.line() + " (" + e.text() + "): " + error);
    }
  }

  private void sample() {
    if (now < nextSample) {
      return;
    }
    long templates = 0;
    for (Ipvs core : cores) {
      core.cleanUp();
      templates += core.templateCount();
    }
    if (templates > peakTemplates) {
      peakTemplates = templates;
      peakAtNanos = now;
    }
    templateSeries.add(new long[] {now / SECOND, templates});
    if (templateSeries.size() > 4096) { // keep it bounded: every other sample, twice the step
      List<long[]> half = new ArrayList<>();
      for (int i = 0; i < templateSeries.size(); i += 2) {
        half.add(templateSeries.get(i));
      }
      templateSeries.clear();
      templateSeries.addAll(half);
      seriesStep *= 2;
    }
    nextSample = now - now % seriesStep + seriesStep;
    for (ReplayService s : services.values()) {
      s.calls.expire(now);
    }
  }

  /** Applies the events after the last datagram and closes the books. */
  void finish() {
    while (nextEvent < events.size()) {
      apply(nextEvent++);
    }
    for (ReplayService s : services.values()) {
      s.calls.expire(Long.MAX_VALUE);
    }
  }

  /** The engines' no-match reasons, summed over the services and cores. */
  Map<String, Long> noMatch() {
    Map<String, Long> out = new TreeMap<>();
    for (Ipvs core : cores) {
      for (VirtualService svc : core.services()) {
        svc.engineFailures().forEach((k, v) -> out.merge(k, v, Long::sum));
      }
    }
    out.values().removeIf(v -> v == 0);
    return out;
  }

  long captureNanos() {
    return now;
  }

  List<ReplayEvents.Event> events() {
    return events;
  }

  long moved(int event) {
    return moved[event];
  }

  List<String> eventErrors() {
    return eventErrors;
  }

  int nodes() {
    return nodes;
  }

  Agreement agreement() {
    return agreement;
  }

  private static void count(Map<String, Long> m, String k) {
    m.merge(k, 1L, Long::sum);
  }
}
