package io.pe4j.core;

import io.pe4j.api.PeData;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import io.pe4j.api.TemplateView;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A connection template (spec §3): maps a key (masked client, virtual address and port, pe data) to
 * a destination for the persistence timeout after its last use.
 *
 * <p>Timers follow §3.4 to the nanosecond, evaluated lazily: {@link #expiresAt} is the next firing
 * of the template's timer; when it fires while connections it controls are alive the stored timeout
 * becomes 60 s and the timer re-arms ("expire later"), so the entry is really removed at {@link
 * #removalAt()}, which is what the store's timer is set to.
 *
 * <p>A template is its own key in the table (no separate key object: 72 bytes a template fewer):
 * its hash is the lookup's, and it equals a {@link TemplateKey} probe that the engine's {@code
 * ctMatch} accepts, or another template with the same key fields and pe data. An invalidated
 * template equals only itself (spec §3.5); it is rekeyed while out of the table.
 *
 * <p>Fields are laid out for size (128 bytes with compressed references, the store's links
 * included): the protocol as a byte, ports as chars, the stored timeout in whole seconds (the
 * kernel's is seconds × HZ).
 */
final class Template implements TemplateView {

  static final long EXPIRE_LATER_NANOS = 60_000_000_000L;
  private static final int EXPIRE_LATER_SECONDS = 60;

  private static final Protocol[] PROTOCOLS = Protocol.values();

  private static final VarHandle EXPIRES_AT;
  private static final VarHandle CONTROLLED_UNTIL;

  static {
    try {
      MethodHandles.Lookup l = MethodHandles.lookup();
      EXPIRES_AT = l.findVarHandle(Template.class, "expiresAt", long.class);
      CONTROLLED_UNTIL = l.findVarHandle(Template.class, "controlledUntil", long.class);
    } catch (ReflectiveOperationException e) {
      throw new ExceptionInInitializerError(e);
    }
  }

  final VirtualService service;
  final boolean ipv6;
  private final byte protocol;
  final long clientHi;
  final long clientLo;
  final long virtualHi;
  final long virtualLo;
  // Ports as unsigned 16-bit chars, to keep a template within 128 bytes.
  volatile char virtualPort;
  volatile char destinationPort;
  final Destination destination;
  final @Nullable PeData peData;
  final @Nullable PersistenceEngine engine;

  /** The lookup's hash; an identity hash once invalidated. Changed only while out of the table. */
  private volatile int hash;

  /** Set by invalidation: the template then equals only itself (spec §3.5, ports FFFF). */
  private volatile boolean identityOnly;

  /** Its neighbours in the table's creation order (guarded by the table's queue lock). */
  @Nullable Template nextCreated;

  @Nullable Template prevCreated;

  /** Whether it left the table for good (guarded by the table's queue lock). */
  boolean leftTable;

  // Guarded by this. expiresAt and controlledUntil are written under the lock with opaque
  // stores, so that a lookup can read the removal time without the lock (removalAtRelaxed).
  private int timeoutSeconds;
  private long expiresAt;
  private long controlledUntil;

  /**
   * The {@linkplain Expiring#granule timer granule} its store last filed it under. {@link
   * IntrusiveTemplateStore}: the wheel bucket's, written under the stripe's lock, read without it
   * by a refresh, which moves the template only when its removal time falls into an earlier
   * granule. {@link CaffeineTemplateStore}: the one Caffeine last read ({@link #scheduledRemoval}),
   * so a refresh within it leaves Caffeine alone. Racy there: two threads re-timing one template at
   * once each record what they read, Caffeine keeps whichever compare-and-set wins, and if the
   * older one wins its timer lags a granule until the next re-time (the template then leaves up to
   * a granule early) — the race of Caffeine's own read path, met only at a granule change.
   */
  int scheduledGranule;

  /** The next template in its hash chain (the store's stripe lock guards writes). */
  volatile @Nullable Template chainNext;

  /** Its neighbours in its timer-wheel bucket (guarded by the store's stripe lock). */
  @Nullable Template wheelPrev;

  @Nullable Template wheelNext;

  /** Whether and how the store holds it (guarded by the store's stripe lock, read without). */
  byte storeState;

  int controlled;
  boolean assured;
  boolean invalidated;

  /**
   * Whether a datagram found it after the one that created it: a template that never became
   * established (one datagram, no reply) is what gives way when the table is full.
   */
  volatile boolean reused;

  /**
   * Whether its first datagram waited for the cluster and has not yet come back: that datagram's
   * second pass must not count as a second datagram (the template would never give way).
   */
  volatile boolean firstParked;

  /**
   * Its place in the shared table when the director is in a cluster, or null: one reference, so
   * that a node-local table pays 4 bytes a template for the cluster, not 12.
   */
  volatile @Nullable Shared shared;

  /**
   * A template's key in the shared table, the record the cluster holds for it (what a touch expects
   * to find there) and the removal time last pushed there.
   */
  static final class Shared {
    final byte[] key;
    final byte[] record;
    volatile long pushedRemoval;

    Shared(byte[] key, byte[] record, long pushedRemoval) {
      this.key = key;
      this.record = record;
      this.pushedRemoval = pushedRemoval;
    }
  }

  /** Whether a sync message created it on this (backup) director: {@code Origin SYNC}. */
  volatile boolean synced;

  Template(
      VirtualService service,
      TemplateKey probe,
      Destination destination,
      int destinationPort,
      long now) {
    this(
        service,
        probe,
        destination,
        destinationPort,
        now,
        service.config.timeoutSeconds * 1_000_000_000L);
  }

  Template(
      VirtualService service,
      TemplateKey probe,
      Destination destination,
      int destinationPort,
      long now,
      long timeoutNanos) {
    this.service = service;
    this.ipv6 = probe.ipv6;
    this.protocol = (byte) probe.protocol.ordinal();
    this.clientHi = probe.clientHi;
    this.clientLo = probe.clientLo;
    this.virtualHi = probe.virtualHi;
    this.virtualLo = probe.virtualLo;
    this.virtualPort = (char) probe.virtualPort;
    this.destinationPort = (char) destinationPort;
    this.destination = destination;
    this.peData = probe.copyPeData();
    this.engine = probe.engine;
    this.hash = probe.hashCode();
    this.timeoutSeconds = seconds(timeoutNanos);
    this.expiresAt = now + timeoutNanos;
  }

  private static int seconds(long nanos) {
    return (int) Math.min(Integer.MAX_VALUE, nanos / 1_000_000_000L);
  }

  /** Rekeys an invalidated template, out of the table: it now equals only itself. */
  void identityOnly() {
    identityOnly = true;
    hash = System.identityHashCode(this);
  }

  /** Whether a probe has this template's key fields (address family, protocol, addresses, port). */
  boolean sameKeyFields(TemplateKey p) {
    return sameKeyFields(
        p.ipv6,
        p.protocol.ordinal(),
        p.clientHi,
        p.clientLo,
        p.virtualHi,
        p.virtualLo,
        p.virtualPort);
  }

  private boolean sameKeyFields(
      boolean v6, int protocolOrdinal, long cHi, long cLo, long vHi, long vLo, int vPort) {
    return ipv6 == v6
        && protocol == protocolOrdinal
        && clientHi == cHi
        && clientLo == cLo
        && virtualHi == vHi
        && virtualLo == vLo
        && virtualPort == vPort;
  }

  boolean isIdentityOnly() {
    return identityOnly;
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /**
   * Equal to a probe that finds it (see {@link TemplateKey#equals}), or to a template with the same
   * key: the same engine, key fields and pe data, neither of them invalidated.
   */
  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (o instanceof TemplateKey) {
      return o.equals(this);
    }
    if (!(o instanceof Template)) {
      return false;
    }
    Template t = (Template) o;
    return !identityOnly
        && !t.identityOnly
        && engine == t.engine
        && sameKeyFields(
            t.ipv6, t.protocol, t.clientHi, t.clientLo, t.virtualHi, t.virtualLo, t.virtualPort)
        && Objects.equals(peData, t.peData);
  }

  /** Catches up with timer firings before {@code now}: each one found controlled connections. */
  private void advance(long now) {
    if (now >= expiresAt) {
      long firings = (now - expiresAt) / EXPIRE_LATER_NANOS + 1;
      setExpiresAt(expiresAt + firings * EXPIRE_LATER_NANOS);
      timeoutSeconds = EXPIRE_LATER_SECONDS; // [Q] §3.4 item 4: the stored timeout stays 60 s
    }
  }

  /** Restarts the timer on use (§3.4 item 1) and returns the new removal time. */
  synchronized long refresh(long now) {
    advance(now);
    setExpiresAt(now + timeoutSeconds * 1_000_000_000L);
    return removalAt();
  }

  /**
   * Records a controlled connection alive until {@code connectionExpiresAt}; returns the removal
   * time.
   */
  synchronized long control(long connectionExpiresAt, boolean attach) {
    if (attach) {
      controlled++;
    }
    CONTROLLED_UNTIL.setOpaque(this, Math.max(controlledUntil, connectionExpiresAt));
    return removalAt();
  }

  synchronized void release() {
    controlled--;
  }

  private void setExpiresAt(long t) {
    EXPIRES_AT.setOpaque(this, t);
  }

  /** Returns when the template leaves the table: its timer, re-armed by 60 s while it controls. */
  synchronized long removalAt() {
    return removalAt(expiresAt, controlledUntil);
  }

  /**
   * The removal time read without the lock, for a lookup's visibility check: each field is read
   * whole, and a refresh racing the lookup may or may not be seen, as if it came after or before.
   */
  long removalAtRelaxed() {
    return removalAt((long) EXPIRES_AT.getOpaque(this), (long) CONTROLLED_UNTIL.getOpaque(this));
  }

  private static long removalAt(long expiresAt, long controlledUntil) {
    if (controlledUntil <= expiresAt) {
      return expiresAt;
    }
    long firings = (controlledUntil - expiresAt + EXPIRE_LATER_NANOS - 1) / EXPIRE_LATER_NANOS;
    return expiresAt + firings * EXPIRE_LATER_NANOS;
  }

  /**
   * Caffeine's timer for this template: the end of the granule that holds its removal time. Records
   * the granule, so a refresh that stays in it skips the store (recorded when the store reads it,
   * after the refresh that moved the time).
   */
  synchronized long scheduledRemoval() {
    long r = removalAt();
    scheduledGranule = Expiring.granule(r);
    return Expiring.granuleEnd(r);
  }

  /** Whether the template is live at {@code now} (its removal time read without the lock). */
  boolean liveAt(long now) {
    return removalAtRelaxed() - now > 0;
  }

  /** Returns the time until the timer next fires, as /proc's Expires column counts it. */
  synchronized long remainingNanos(long now) {
    advance(now);
    return expiresAt - now;
  }

  /** Returns the stored timeout in seconds, as a sync message carries it. */
  synchronized long timeoutSeconds() {
    return timeoutSeconds;
  }

  /** Restarts the timer with a timeout received from a sync master. */
  synchronized long resync(long now, long newTimeoutNanos) {
    timeoutSeconds = seconds(newTimeoutNanos);
    setExpiresAt(now + newTimeoutNanos);
    return removalAt();
  }

  synchronized boolean isAssured() {
    return assured;
  }

  synchronized void assure() {
    assured = true;
  }

  synchronized int controlledCount() {
    return controlled;
  }

  @Override
  public boolean isIpv6() {
    return ipv6;
  }

  @Override
  public Protocol protocol() {
    return PROTOCOLS[protocol];
  }

  @Override
  public long clientHi() {
    return clientHi;
  }

  @Override
  public long clientLo() {
    return clientLo;
  }

  @Override
  public int clientPort() {
    return 0;
  }

  @Override
  public long virtualHi() {
    return virtualHi;
  }

  @Override
  public long virtualLo() {
    return virtualLo;
  }

  @Override
  public int virtualPort() {
    return virtualPort;
  }

  @Override
  public @Nullable PersistenceEngine engine() {
    return engine;
  }

  @Override
  public @Nullable PeData peData() {
    return peData;
  }
}
