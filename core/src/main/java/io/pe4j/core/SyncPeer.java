package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import io.pe4j.api.ConnParam;
import io.pe4j.api.IpAddress;
import java.util.Objects;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * Sync with other directors (spec §7, the role of the kernel's {@code ip_vs_sync.c}): as master, it
 * turns templates and connections into entries for a {@link SyncMaster} (its own thread); as
 * backup, it applies received messages through the {@link TemplateTable}.
 */
public final class SyncPeer {

  private static final long SECOND = 1_000_000_000L;

  /** Per-thread lookup objects for applying received entries. */
  private static final class Scratch {
    final ConnParam param = new ConnParam();
    final TemplateKey templateProbe = new TemplateKey();
  }

  private final Ticker ticker;
  private final TemplateCodec codec;
  private final TemplateTable templates;
  private final int seed;
  private final ThreadLocal<Scratch> scratch = ThreadLocal.withInitial(Scratch::new);
  private volatile @Nullable SyncMaster syncMaster;
  private final LongAdder syncErrors = new LongAdder();
  private final LongAdder syncSkipped = new LongAdder();
  private final LongAdder syncDropped = new LongAdder();

  SyncPeer(Ticker ticker, TemplateCodec codec, TemplateTable templates, int seed) {
    this.ticker = ticker;
    this.codec = codec;
    this.templates = templates;
    this.seed = seed;
  }

  /**
   * Starts sending sync messages ({@code ipvsadm --start-daemon master}): templates of one-packet
   * services on every use (version 1 only: the version-0 sender skips one-packet connections before
   * their template), other connections at their 3rd, 53rd, 103rd... packet followed by their
   * template. Each message holds one entry, in the kernel's wire layout. Entries are queued (at
   * most 65,536; a full queue drops and counts them, {@link #dropped()}) and handed to {@code
   * sender} on a thread of their own, never on the datagram's. Version 0 carries no pe data.
   *
   * @throws IllegalArgumentException unless the version is 0 or 1
   */
  public void startMaster(int syncId, int version, Consumer<byte[]> sender) {
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
  public void stopMaster() {
    SyncMaster m = syncMaster;
    syncMaster = null;
    if (m != null) {
      m.close();
    }
  }

  /** Waits until the sync messages queued so far were handed to the sender (tests, shutdown). */
  public void flush() {
    SyncMaster m = syncMaster;
    if (m != null) {
      m.flush();
    }
  }

  /** Returns how many sync entries were dropped because the sync queue was full. */
  public long dropped() {
    return syncDropped.sum();
  }

  void onePacketTemplate(Template t) {
    SyncMaster m = syncMaster;
    if (m != null && m.version == 1) {
      m.offer(TemplateCodec.entry(t, true));
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
      m.offer(TemplateCodec.entry(t, m.version == 1));
    }
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
  public int apply(byte[] message) {
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
      return false; // backups do not link connection entries to templates
    }
    Scratch s = scratch.get();
    Template fresh = codec.materialize(e, s.param, now);
    if (fresh == null) {
      return false;
    }
    long timeout = TemplateCodec.timeoutNanos(e);
    Template t = templates.find(s.templateProbe.probe(s.param, fresh.engine(), seed), now);
    if (t == null) {
      fresh.synced = true;
      t = templates.create(fresh, false); // a backup never evicts for a sync entry
      if (t == null) {
        return false;
      }
    }
    templates.retime(t, t.resync(now, timeout), now);
    return true;
  }

  /** Returns how many sync messages were malformed or could not be sent. */
  public long errors() {
    return syncErrors.sum();
  }

  /**
   * Returns how many received sync entries were skipped (unknown engine, service or destination).
   */
  public long skipped() {
    return syncSkipped.sum();
  }
}
