package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import io.pe4j.api.ConnParam;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.Protocol;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Sync with other directors (spec §7, the role of the kernel's {@code ip_vs_sync.c}): as master, it
 * turns templates and connections into entries for a {@link SyncMaster} (its own thread); as
 * backup, it applies received messages through the {@link TemplateTable}.
 */
final class SyncPeer {

  private static final long SECOND = 1_000_000_000L;

  /** Per-thread lookup objects for applying received entries. */
  private static final class Scratch {
    final ConnParam param = new ConnParam();
    final TemplateKey templateProbe = new TemplateKey();
  }

  private final Ticker ticker;
  private final PersistenceEngines engines;
  private final ConfigPlane config;
  private final TemplateTable templates;
  private final int seed;
  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
  private volatile @Nullable SyncMaster syncMaster;
  private final LongAdder syncErrors = new LongAdder();
  private final LongAdder syncSkipped = new LongAdder();
  private final LongAdder syncDropped = new LongAdder();

  SyncPeer(
      Ticker ticker,
      PersistenceEngines engines,
      ConfigPlane config,
      TemplateTable templates,
      int seed) {
    this.ticker = ticker;
    this.engines = engines;
    this.config = config;
    this.templates = templates;
    this.seed = seed;
  }

  /**
   * Starts sending sync messages ({@code ipvsadm --start-daemon master}): templates of one-packet
   * services on every use (version 1 only: the version-0 sender skips one-packet connections before
   * their template), other connections at their 3rd, 53rd, 103rd... packet followed by their
   * template. Each message holds one entry, in the kernel's wire layout. Entries are queued (at
   * most 65,536; a full queue drops and counts them, {@link #syncDropped()}) and handed to {@code
   * sender} on a thread of their own, never on the datagram's. Version 0 carries no pe data.
   *
   * @throws IllegalArgumentException unless the version is 0 or 1
   */
  public void startSyncMaster(int syncId, int version, Consumer<byte[]> sender) {
    if (version != 0 && version != 1) {
      throw new IllegalArgumentException("sync_version must be 0 or 1: " + version);
    }
    SyncMaster old = syncMaster;
    syncMaster =
        new SyncMaster(
            syncId & 0xff, version, Objects.requireNonNull(sender), syncErrors, syncDropped);
    if (old != null) {
      old.close();
    }
  }

  /** Stops the sync master. */
  public void stopSyncMaster() {
    SyncMaster m = syncMaster;
    syncMaster = null;
    if (m != null) {
      m.close();
    }
  }

  /** Waits until the sync messages queued so far were handed to the sender (tests, shutdown). */
  public void flushSync() {
    SyncMaster m = syncMaster;
    if (m != null) {
      m.flush();
    }
  }

  /** Returns how many sync entries were dropped because the sync queue was full. */
  public long syncDropped() {
    return syncDropped.sum();
  }

  void onePacketTemplate(Template t) {
    SyncMaster m = syncMaster;
    if (m != null && m.version == 1) {
      m.offer(templateEntry(t, true));
    }
  }

  void connection(Connection c) {
    SyncMaster m = syncMaster;
    if (m == null || c.inPackets.incrementAndGet() % 50 != 3) {
      return; // sync_threshold "3 50"
    }
    Sync.Entry e = new Sync.Entry();
    e.ipv6 = c.key.ipv6;
    e.protocol = c.key.protocol.number();
    e.flags = Sync.methodFlag(c.destination.method) | (c.isUdp() ? Sync.F_INACTIVE : 0);
    e.cport = c.key.fromPort;
    e.vport = c.key.toPort;
    e.dport = c.destinationPort;
    e.timeoutSeconds = c.timeoutNanos / SECOND;
    e.caddr = IpAddress.of(c.key.ipv6, c.key.fromHi, c.key.fromLo);
    e.vaddr = IpAddress.of(c.key.ipv6, c.key.toHi, c.key.toLo);
    e.daddr = c.destination.address;
    m.offer(e);
    Template t = c.control;
    if (t != null) {
      m.offer(templateEntry(t, m.version == 1));
    }
  }

  private static Sync.Entry templateEntry(Template t, boolean withPeData) {
    Sync.Entry e = new Sync.Entry();
    e.ipv6 = t.ipv6;
    e.protocol = t.protocol.number();
    e.flags = Sync.F_TEMPLATE | Sync.methodFlag(t.destination.method);
    e.state = t.isAssured() ? 1 : 0;
    e.vport = t.virtualPort;
    e.dport = t.destinationPort;
    e.fwmark = t.protocol == Protocol.IP ? (int) t.virtualLo : 0;
    e.timeoutSeconds = t.timeoutSeconds();
    e.caddr = IpAddress.of(t.ipv6, t.clientHi, t.clientLo);
    e.vaddr = IpAddress.of(t.ipv6, t.virtualHi, t.virtualLo);
    e.daddr = t.destination.address;
    PersistenceEngine pe = t.engine;
    if (withPeData && pe != null && t.peData != null) {
      e.peData = t.peData.toByteArray();
      e.peName = pe.name();
    }
    return e;
  }

  /**
   * Applies a sync message as a backup director: each template entry creates or refreshes a
   * template (flagged {@code SYNC}) bound to this director's matching destination. Entries whose
   * engine this director lacks, whose service or destination it does not have, and connection
   * entries (which backups do not link to templates) are skipped and counted. Never throws: a
   * malformed message is counted and ignored.
   *
   * @return the number of templates created or refreshed
   */
  public int applySync(byte[] message) {
    java.util.List<Sync.Entry> entries;
    try {
      entries = Sync.decode(message);
    } catch (IllegalArgumentException e) {
      syncErrors.increment();
      return 0;
    }
    long now = ticker.read();
    int applied = 0;
    for (Sync.Entry e : entries) {
      if (applySyncEntry(e, now)) {
        applied++;
      } else {
        syncSkipped.increment();
      }
    }
    return applied;
  }

  private boolean applySyncEntry(Sync.Entry e, long now) {
    if ((e.flags & Sync.F_TEMPLATE) == 0) {
      return false;
    }
    Protocol protocol;
    try {
      protocol = Sync.protocol(e.protocol);
    } catch (IllegalArgumentException ex) {
      return false;
    }
    VirtualService svc =
        e.fwmark != 0
            ? config.service(Protocol.IP, e.vaddr, 0, e.fwmark)
            : config.service(protocol, e.vaddr, e.vport, 0);
    if (svc == null && e.fwmark == 0) {
      svc = config.service(protocol, e.vaddr, 0, 0);
    }
    if (svc == null) {
      return false;
    }
    Destination dest = ConfigPlane.destination(svc, e.daddr, e.dport);
    if (dest == null) {
      return false;
    }
    PersistenceEngine engine = null;
    if (!e.peName.isEmpty()) {
      engine = engines.get(e.peName); // no autoload on the backup path
      if (engine == null || e.peData.length == 0 || e.peData.length > 255) {
        return false;
      }
    }
    ConnParam param =
        scratch
            .get()
            .param
            .set(
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
    TemplateKey probe = scratch.get().templateProbe.probe(param, engine, seed);
    long timeout = (e.timeoutSeconds == 0 ? 180 : e.timeoutSeconds) * SECOND;
    Template t = templates.find(probe);
    if (t == null) {
      Template fresh = new Template(svc, probe, dest, e.dport, now, timeout);
      fresh.synced = true;
      if (e.state == 1) {
        fresh.assure();
      }
      t = templates.create(fresh, false); // a backup never evicts for a sync entry
      if (t == null) {
        return false;
      }
    }
    templates.retime(t, t.resync(now, timeout), now);
    return true;
  }

  /** Returns how many sync messages were malformed or could not be sent. */
  public long syncErrors() {
    return syncErrors.sum();
  }

  /**
   * Returns how many received sync entries were skipped (unknown engine, service or destination).
   */
  public long syncSkipped() {
    return syncSkipped.sum();
  }
}
