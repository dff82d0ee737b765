package io.pe4j.core;

import io.pe4j.api.ConnParam;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.Protocol;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * Templates as entries of the IPVS sync protocol (spec §7, version 1), and back: what a sync master
 * sends, what a backup applies, and the keys and records of a {@link SharedTemplates} store.
 * Decoding binds an entry to this director's own service and real server, found by virtual service
 * and address:port (every director loads the same rules).
 */
final class TemplateCodec {

  private static final long SECOND = 1_000_000_000L;

  private final PersistenceEngines engines;
  private final int seed;
  private final java.util.function.Supplier<Configuration> configuration;

  /**
   * A codec that binds entries to the services of the published configuration {@code configuration}
   * gives (the config plane's, built after the template table that uses this codec).
   */
  TemplateCodec(
      PersistenceEngines engines,
      int seed,
      java.util.function.Supplier<Configuration> configuration) {
    this.engines = engines;
    this.seed = seed;
    this.configuration = configuration;
  }

  /** The sync entry of a template; with its pe data and engine name unless {@code withPeData}. */
  static Sync.Entry entry(Template t, boolean withPeData) {
    Sync.Entry e = new Sync.Entry();
    e.ipv6 = t.ipv6;
    e.protocol = t.protocol().number();
    e.flags = Sync.F_TEMPLATE | Sync.methodFlag(t.destination.method);
    e.state = t.isAssured() ? 1 : 0;
    e.vport = t.virtualPort;
    e.dport = t.destinationPort;
    e.fwmark = t.protocol() == Protocol.IP ? (int) t.virtualLo : 0;
    e.timeoutSeconds = t.timeoutSeconds();
    e.caddr = IpAddress.of(t.ipv6, t.clientHi, t.clientLo);
    e.vaddr = IpAddress.of(t.ipv6, t.virtualHi, t.virtualLo);
    e.daddr = t.destination.address;
    PersistenceEngine pe = t.engine();
    if (withPeData && pe != null && t.peData != null) {
      e.peData = t.peData.toByteArray();
      e.peName = pe.name();
    }
    return e;
  }

  /** The shared-table record of a template: its whole sync entry. */
  static byte[] record(Template t) {
    return Sync.encodeV1(0, entry(t, true));
  }

  /** The shared-table key of a template: its sync entry with the key fields only. */
  static byte[] key(Template t) {
    Sync.Entry e = entry(t, true);
    e.flags = Sync.F_TEMPLATE;
    e.state = 0;
    e.dport = 0;
    e.timeoutSeconds = 0;
    e.daddr = e.ipv6 ? IpAddress.ofIpv6(0, 0) : IpAddress.ofIpv4(0);
    return Sync.encodeV1(0, e);
  }

  /** The shared-table key of a lookup. */
  static byte[] key(TemplateKey probe) {
    Sync.Entry e = new Sync.Entry();
    e.ipv6 = probe.ipv6;
    e.protocol = probe.protocol.number();
    e.flags = Sync.F_TEMPLATE;
    e.vport = probe.virtualPort;
    e.fwmark = probe.protocol == Protocol.IP ? (int) probe.virtualLo : 0;
    e.caddr = IpAddress.of(probe.ipv6, probe.clientHi, probe.clientLo);
    e.vaddr = IpAddress.of(probe.ipv6, probe.virtualHi, probe.virtualLo);
    e.daddr = e.ipv6 ? IpAddress.ofIpv6(0, 0) : IpAddress.ofIpv4(0);
    PersistenceEngine pe = probe.engine;
    ConnParam p = probe.param;
    if (pe != null && p != null && p.hasPeData()) {
      e.peData = p.peDataCopy().toByteArray();
      e.peName = pe.name();
    }
    return Sync.encodeV1(0, e);
  }

  /** The one entry of an encoded record or key, or null if it is not one template entry. */
  static Sync.@Nullable Entry decode(byte[] bytes) {
    try {
      List<Sync.Entry> entries = Sync.decode(bytes);
      return entries.size() == 1 && (entries.get(0).flags & Sync.F_TEMPLATE) != 0
          ? entries.get(0)
          : null;
    } catch (IllegalArgumentException e) {
      return null;
    }
  }

  /** A lookup key (a fresh probe) for an entry on this director, or null if it has no service. */
  @Nullable TemplateKey probe(Sync.Entry e, ConnParam param) {
    return bind(e, param) == null ? null : new TemplateKey().probe(param, engineOf(e), seed);
  }

  /**
   * A new template (not in any table) for an entry: bound to this director's service and real
   * server with the same address and port; null when it has none of them, or lacks the engine.
   */
  @Nullable Template materialize(Sync.Entry e, ConnParam param, long now) {
    VirtualService svc = bind(e, param);
    if (svc == null) {
      return null;
    }
    Destination dest = svc.publishedDestination(e.daddr, e.dport);
    if (dest == null) {
      return null;
    }
    TemplateKey probe = new TemplateKey().probe(param, engineOf(e), seed);
    long timeout = timeoutNanos(e);
    Template t = new Template(svc, probe, dest, e.dport, now, timeout);
    if (e.state == 1) {
      t.assure();
    }
    return t;
  }

  /** An entry's timeout; 180 s when it carries none (a version-0 sender's templates). */
  static long timeoutNanos(Sync.Entry e) {
    return (e.timeoutSeconds == 0 ? 180 : e.timeoutSeconds) * SECOND;
  }

  /** Fills {@code param} from the entry and returns its service here, or null. */
  @Nullable VirtualService bind(Sync.Entry e, ConnParam param) {
    Configuration c = configuration.get();
    Protocol protocol;
    try {
      protocol = Sync.protocol(e.protocol);
    } catch (IllegalArgumentException ex) {
      return null;
    }
    VirtualService svc =
        e.fwmark != 0
            ? c.service(Protocol.IP, e.vaddr, 0, e.fwmark)
            : c.service(protocol, e.vaddr, e.vport, 0);
    if (svc == null && e.fwmark == 0) {
      svc = c.service(protocol, e.vaddr, 0, 0);
    }
    if (svc == null) {
      return null;
    }
    PersistenceEngine engine = null;
    if (!e.peName.isEmpty()) {
      engine = engines.get(e.peName); // no autoload on this path
      if (engine == null || e.peData.length == 0 || e.peData.length > 255) {
        return null;
      }
    }
    param.set(
        e.ipv6,
        protocol,
        e.caddr.hi(),
        e.caddr.lo(),
        0,
        e.fwmark != 0 ? 0 : e.vaddr.hi(),
        e.fwmark != 0 ? e.fwmark & 0xffff_ffffL : e.vaddr.lo(),
        e.vport,
        engine);
    if (engine != null) {
      var unused = param.match(Sync.peData(e.peData));
    }
    return svc;
  }

  private @Nullable PersistenceEngine engineOf(Sync.Entry e) {
    return e.peName.isEmpty() ? null : engines.get(e.peName);
  }
}
