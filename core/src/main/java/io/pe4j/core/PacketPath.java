package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The whole life of a client's datagram (the role of the kernel's {@code ip_vs_core.c}), readable
 * top to bottom: §1.1 (an existing connection, the service, then scheduling, with the persistence
 * path of §3.3); a real server's datagram takes {@link ReturnPath}, which shares this class's
 * template and connection operations. It reads the configuration the config plane published, once
 * per datagram, and writes only through the template and connection tables.
 */
final class PacketPath {

  private static final System.Logger LOG = System.getLogger("io.pe4j.core");
  private static final long SECOND = 1_000_000_000L;

  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);

  /** Per-thread reusable lookup objects: the reason a hit allocates nothing. */
  static final class Scratch {
    final ConnParam param = new ConnParam();
    final TemplateKey templateProbe = new TemplateKey();
    final ConnKey connProbe = new ConnKey();
  }

  private final Ticker ticker;
  private final ConfigPlane config;
  private final TemplateTable templates;
  private final ConnectionTable connections;
  private final SyncPeer sync;
  private final int seed;
  private final ConcurrentHashMap<String, Verdict> dropVerdicts = new ConcurrentHashMap<>();
  private final LongAdder destinationUnavailableDrops = new LongAdder();

  PacketPath(
      Ticker ticker,
      ConfigPlane config,
      TemplateTable templates,
      ConnectionTable connections,
      SyncPeer sync,
      int seed) {
    this.ticker = ticker;
    this.config = config;
    this.templates = templates;
    this.connections = connections;
    this.sync = sync;
    this.seed = seed;
  }

  /** Returns the datagrams dropped because their connection's destination is unavailable. */
  long destinationUnavailableDrops() {
    return destinationUnavailableDrops.sum();
  }

  /**
   * Decides what happens to a datagram a client sent: forward it to a real server, drop it, no
   * destination, or pass it untouched (no virtual service). Never throws on any datagram.
   */
  Verdict process(Datagram d) {
    return decide(d, null);
  }

  /**
   * Takes {@code d} along this same path without doing anything — nothing created, refreshed,
   * counted, scheduled or sent — and tells {@code trace} each step; returns the verdict {@code
   * process} would give, or {@link Trace#SCHEDULED} when it depends on the scheduler's choice.
   */
  Verdict dryRun(Datagram d, Trace trace) {
    return decide(d, trace);
  }

  /**
   * The client's datagram's path. With a {@code trace} (explain), every step is reported to it and
   * no step changes anything; without one (every datagram), nothing is traced or allocated.
   */
  private Verdict decide(Datagram d, @Nullable Trace x) {
    long now = ticker.read();
    Scratch s = scratch.get();
    Configuration conf = config.current(); // one read: this datagram sees one configuration
    // 1. An existing (non-OPS) connection wins over everything, the engine included (scenario 28).
    if (connections.mayHaveAny()) {
      ConnKey probe = s.connProbe.of(d);
      Connection c = connections.find(probe, now);
      if (x != null) {
        x.connection(c, now);
      }
      if (c != null) {
        if (conf.isAvailable(c.destination)) {
          if (x == null) {
            connections.refresh(c, now);
            Counting.in(c.service, c.destination, d);
            sync.connection(c);
          }
          return c.verdict;
        }
        if (!conf.expireNodestConn) {
          if (x == null) {
            destinationUnavailableDrops.increment(); // §3.7: it stays until its timeout
          }
          return dropVerdict("destination unavailable");
        }
        if (x == null) {
          connections.remove(c); // §3.7 expire_nodest_conn=1: expire it and schedule afresh
        } else {
          x.note("the connection's server is gone: expired (expire_nodest_conn), scheduled again");
        }
      }
    } else if (x != null) {
      x.connection(null, now);
    }
    // 2. Service lookup: fwmark, then protocol/address/port, then port zero.
    ServiceConfig cfg = conf.findService(d);
    if (x != null) {
      x.service(cfg);
    }
    if (cfg == null) {
      return Verdict.PASS;
    }
    // 3. Schedule.
    VirtualService svc = cfg.service();
    return cfg.persistent
        ? persistSchedule(conf, svc, cfg, d, s, now, x)
        : schedule(conf, svc, cfg, d, now, x);
  }

  /** Non-persistent scheduling: the scheduler picks, a connection records it (spec §1). */
  private Verdict schedule(
      Configuration conf,
      VirtualService svc,
      ServiceConfig cfg,
      Datagram d,
      long now,
      @Nullable Trace x) {
    if (svc.port == 0 && svc.fwmark == 0) {
      return Verdict.NO_DEST; // §5: port zero only supported in persistent services
    }
    if (x != null) {
      x.scheduled(cfg, "not persistent: each connection");
      return Trace.SCHEDULED;
    }
    Destination dest = cfg.scheduler.schedule(cfg.servers, d);
    if (dest == null) {
      trace("{0}: no destination available", svc);
      return Verdict.NO_DEST;
    }
    return bind(conf, svc, cfg, dest, null, d, now, null);
  }

  /** The persistence path, spec §3.3. */
  private Verdict persistSchedule(
      Configuration conf,
      VirtualService svc,
      ServiceConfig cfg,
      Datagram d,
      Scratch s,
      long now,
      @Nullable Trace x) {
    ConnParam param = Keys.fillKey(svc, cfg, d, s.param);
    PersistenceEngine engine = cfg.engine;
    PersistenceEngine keyEngine = null;
    if (engine != null) {
      PeResult r = Keys.fill(engine, param, d, false);
      if (x != null) {
        x.engine(engine, param, r, cfg.failurePolicy);
      }
      if (r.isMatch()) {
        keyEngine = engine;
      } else {
        if (x == null) {
          svc.engineFailures.computeIfAbsent(r.reason(), PacketPath::newAdder).increment();
          trace("{0}: engine {1} no match: {2}", svc, engine.name(), r.reason());
        }
        if (cfg.failurePolicy == FailurePolicy.DROP) {
          return dropVerdict(r.reason()); // §3.3 current kernels: silent drop, no ICMP
        }
        param.clearPeData(); // FALLBACK: the seed's normal persistence handling
      }
    }
    TemplateKey probe = s.templateProbe.probe(param, keyEngine, seed);
    if (x != null) {
      x.key(param, keyEngine);
    }
    Template t = templates.find(probe, now);
    if (x != null) {
      x.template(t, now);
    }
    if (t != null && !isValid(conf, cfg, t, null)) {
      if (x == null) {
        invalidate(t, now);
      } else {
        x.note(
            conf.isAvailable(t.destination)
                ? "the template is invalid (quiescent server, expire_quiescent_template)"
                : "the template is invalid (server deleted)");
      }
      t = null;
    }
    Destination dest;
    if (t == null) {
      if (x != null) {
        x.newTemplate = true;
        x.scheduled(
            cfg,
            templates.shared()
                ? "a new template, offered to the cluster"
                : "a new template (mh-pe hashes the key)");
        return Trace.SCHEDULED;
      }
      dest = cfg.scheduler.schedule(cfg.servers, d, keyEngine != null ? param : null); // mh-pe
      if (dest == null) {
        trace("{0}: no destination available", svc);
        return Verdict.NO_DEST;
      }
      boolean normalPort = d.destinationPort() == svc.port && svc.port != 21 && svc.port != 0;
      int dport = normalPort ? dest.port : 0;
      if (templates.shared()) { // a cluster: ask it, without waiting on this thread
        trace("{0}: new call offered to the cluster ({1} decided here)", svc, dest);
        return Verdict.waitFor(
            templates.offer(
                new Template(svc, probe, dest, dport, now, cfg.timeoutSeconds * SECOND)));
      }
      t = createTemplate(svc, cfg, probe, dest, dport, now, false);
      if (t != null) {
        dest = t.destination; // a racing thread may have created it first
      }
    } else {
      dest = t.destination;
      if (x == null) {
        if (!t.reused) {
          if (t.firstParked) {
            t.firstParked = false; // the first datagram again, back from the cluster
          } else {
            t.reused = true; // a second datagram: the template is established
          }
        }
        traceHit(svc, t);
      }
    }
    if (t != null && x == null) {
      refreshTemplate(t, now);
      if (cfg.onePacket && d.protocol() == Protocol.UDP) {
        sync.onePacketTemplate(t);
      }
    }
    return bind(conf, svc, cfg, dest, t, d, now, x);
  }

  /** Template validity, spec §3.5 ({@code required}: the conn_out path's destination). */
  static boolean isValid(
      Configuration conf, ServiceConfig cfg, Template t, @Nullable Destination required) {
    Destination dest = t.destination;
    ServiceConfig own = t.service == cfg.service() ? cfg : conf.of(t.service);
    if (own == null) {
      return false;
    }
    int i = own.servers.indexOf(dest);
    return i >= 0
        && !(conf.expireQuiescentTemplate && own.servers.weight(i) == 0)
        && (required == null || required == dest);
  }

  private void invalidate(Template t, long now) {
    templates.invalidate(t, now);
  }

  @Nullable Template createTemplate(
      VirtualService svc,
      ServiceConfig cfg,
      TemplateKey probe,
      Destination dest,
      int dport,
      long now,
      boolean assured) {
    Template fresh = new Template(svc, probe, dest, dport, now, cfg.timeoutSeconds * SECOND);
    if (assured) {
      fresh.assure();
    }
    Template winner = templates.create(fresh, true);
    if (winner == fresh) {
      trace("{0}: new template -> {1}", svc, dest);
    }
    return winner;
  }

  private void refreshTemplate(Template t, long now) {
    templates.refresh(t, now);
  }

  /** Creates the connection (not for OPS), counts and returns the forward verdict. */
  private Verdict bind(
      Configuration conf,
      VirtualService svc,
      ServiceConfig cfg,
      Destination dest,
      @Nullable Template t,
      Datagram d,
      long now,
      @Nullable Trace x) {
    int dp = d.destinationPort();
    int fwdPort = dp == svc.port && dest.port != 0 ? dest.port : dp;
    Verdict verdict = fwdPort == dest.port ? dest.forwardToPort : Verdict.forward(dest, fwdPort);
    if (x != null) {
      return verdict; // explain: no connection, no counting
    }
    if (!(cfg.onePacket && d.protocol() == Protocol.UDP)) {
      Connection c =
          addConnection(
              conf,
              svc,
              dest,
              t,
              d.protocol(),
              d.isIpv6(),
              d.sourceHi(),
              d.sourceLo(),
              d.sourcePort(),
              d.destinationHi(),
              d.destinationLo(),
              dp,
              fwdPort,
              verdict,
              now);
      sync.connection(c);
    }
    svc.counters.conns.increment();
    dest.counters.conns.increment();
    Counting.in(svc, dest, d);
    return verdict;
  }

  Connection addConnection(
      Configuration conf,
      VirtualService svc,
      Destination dest,
      @Nullable Template t,
      Protocol protocol,
      boolean ipv6,
      long cHi,
      long cLo,
      int cport,
      long vHi,
      long vLo,
      int vport,
      int dport,
      Verdict verdict,
      long now) {
    ConnKey key = new ConnKey().set(protocol, ipv6, cHi, cLo, cport, vHi, vLo, vport);
    ConnKey reply =
        new ConnKey()
            .set(protocol, ipv6, dest.address.hi(), dest.address.lo(), dport, cHi, cLo, cport);
    Timeouts timeouts = conf.timeouts;
    long timeout = (protocol == Protocol.UDP ? timeouts.udp() : timeouts.tcp()) * SECOND;
    Connection c = new Connection(key, reply, svc, dest, dport, t, verdict, timeout, now);
    connections.add(c, now);
    return c;
  }

  private Verdict dropVerdict(String reason) {
    return dropVerdicts.computeIfAbsent(reason, Verdict::drop);
  }

  static LongAdder newAdder(String reason) {
    return new LongAdder();
  }

  private void trace(String format, Object... args) {
    if (LOG.isLoggable(System.Logger.Level.TRACE)) {
      LOG.log(System.Logger.Level.TRACE, format, args);
    }
  }

  private void traceHit(VirtualService svc, Template t) {
    if (LOG.isLoggable(System.Logger.Level.TRACE)) {
      PersistenceEngine e = t.engine();
      String pe = e == null ? "" : " " + e.name() + " " + e.showPeData(t);
      LOG.log(System.Logger.Level.TRACE, "{0}: template hit{1} -> {2}", svc, pe, t.destination);
    }
  }
}
