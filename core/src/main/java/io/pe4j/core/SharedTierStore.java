package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import io.pe4j.api.ConnParam;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TemplateStore} in two tiers: the node-local store, where every hit is answered, over a
 * {@link SharedTemplates} store that the directors of a cluster agree through. Nothing here waits
 * for the cluster on a datagram's thread.
 *
 * <ul>
 *   <li>A local miss is scheduled as usual, and the new template is <em>offered</em> ({@link
 *       #offer}): put if absent in the shared store, in the background. The datagram waits for the
 *       answer (its host holds it) at most {@code waitNanos}. An answer in time installs the
 *       cluster's template — this node's own, or the one another director created first, bound to
 *       this director's service and real server. Without an answer in time the node decides alone
 *       (installs its own) and, when the answer comes and names another server, follows the cluster
 *       from then on (counted: {@link #overruled()}). Datagrams of the same call that arrive while
 *       it is offered wait for the same answer. With {@code mh-pe} every director's lone decision
 *       is the cluster's: nothing is ever overruled.
 *   <li>Use refreshes the local timer; the shared record is touched when the local removal time
 *       moved more than {@link #TOUCH_STEP_NANOS} past the last one pushed, with a time to live of
 *       the remaining time plus {@link #GRACE_NANOS}: a shared record never expires before the
 *       template would on the director that used it last, and at most 2 s after (plus clock skew
 *       between that director and the record's owner).
 *   <li>A removal (eviction, deleted server or service, invalidation) removes the shared record; a
 *       removal elsewhere removes the local copy, and a record replaced elsewhere (a merge)
 *       re-binds it. A local copy that expires leaves the shared record alone: another director may
 *       be using it.
 * </ul>
 *
 * A shared store that fails is counted ({@link #errors()}) and the node decides alone.
 */
final class SharedTierStore implements TemplateStore {

  static final long TOUCH_STEP_NANOS = 1_000_000_000L;
  static final long GRACE_NANOS = 2 * TOUCH_STEP_NANOS;

  /** Calls being offered at once, at most; past it a new call is decided alone at once. */
  static final int MAX_OFFERS = 65_536;

  private final Ticker ticker;
  private final TemplateStore local;
  private final SharedTemplates shared;
  private final TemplateCodec codec;
  private final Consumer<Template> arrived;
  private final Consumer<Template> gone;
  private final long waitNanos;
  private final ConcurrentHashMap<ByteBuffer, Offer> offers = new ConcurrentHashMap<>();
  private final ClusterCalls calls = new ClusterCalls();
  private final ThreadLocal<ConnParam> param = ThreadLocal.withInitial(ConnParam::new);
  private final LongAdder offered = new LongAdder();
  private final LongAdder agreed = new LongAdder();
  private final LongAdder alone = new LongAdder();
  private final LongAdder overruled = new LongAdder();
  private volatile Consumer<Template> install = t -> {};

  /** A new call of this node's, offered to the cluster. */
  private final class Offer {
    final Template lone; // this node's own decision
    final byte[] key;
    final byte[] record;
    final CompletableFuture<Void> settled = new CompletableFuture<>();
    final AtomicBoolean decided = new AtomicBoolean();

    Offer(Template lone, byte[] key, byte[] record) {
      this.lone = lone;
      this.key = key;
      this.record = record;
    }
  }

  SharedTierStore(
      Ticker ticker,
      TemplateStore local,
      SharedTemplates shared,
      TemplateCodec codec,
      Consumer<Template> arrived,
      Consumer<Template> gone,
      long waitNanos) {
    this.ticker = ticker;
    this.local = local;
    this.shared = shared;
    this.codec = codec;
    this.arrived = arrived;
    this.gone = gone;
    this.waitNanos = waitNanos;
    shared.onRemoved(this::removedElsewhere);
    shared.onReplaced(this::replacedElsewhere);
    shared.onMerged(this::merged);
  }

  /** Seconds after a merge when the local copies are checked against the merged table. */
  private static final long[] RECHECK_SECONDS = {2, 10, 30};

  /** A partition healed: the merge settles in the background; check the local copies meanwhile. */
  private void merged() {
    for (long s : RECHECK_SECONDS) {
      calls.later(this::recheck, s, TimeUnit.SECONDS);
    }
  }

  /** Re-binds each local copy whose record the cluster replaced (a merge's resolution). */
  void recheck() {
    for (Template t : local.snapshot()) {
      Template.Shared sh = t.shared;
      if (sh == null || t.invalidated) {
        continue;
      }
      try {
        shared
            .get(sh.key)
            .whenComplete(
                (record, e) -> {
                  if (e != null) {
                    calls.failed("recheck", e);
                  } else if (record != null && !Arrays.equals(record, sh.record)) {
                    replacedElsewhere(sh.key, record);
                  }
                });
      } catch (RuntimeException e) {
        calls.failed("recheck", e);
      }
    }
  }

  /** Sets how a settled template goes into the table (the table's own creation, with its bound). */
  void installer(Consumer<Template> install) {
    this.install = install;
  }

  long errors() {
    return calls.errors();
  }

  /** Returns how many new calls were offered, answered in time, decided alone, overruled. */
  long[] offerCounts() {
    return new long[] {offered.sum(), agreed.sum(), alone.sum(), overruled.sum()};
  }

  long overruled() {
    return overruled.sum();
  }

  /** The local tier only: a miss is offered through {@link #offer}. */
  @Override
  public @Nullable Template get(TemplateKey probe, long now) {
    return local.get(probe, now);
  }

  /**
   * Offers a new call's template, decided by this node, to the cluster; returns when the call's
   * datagrams may look again (its template installed), at the latest {@code waitNanos} from now. A
   * call already being offered returns that offer's stage.
   */
  CompletableFuture<Void> offer(Template lone) {
    byte[] key = TemplateCodec.key(lone);
    ByteBuffer k = ByteBuffer.wrap(key);
    Offer o = offers.get(k);
    if (o != null) {
      return o.settled;
    }
    o = new Offer(lone, key, TemplateCodec.record(lone));
    if (offers.size() >= MAX_OFFERS) {
      o.decided.set(true); // too many at once: decide alone now, reconcile when answered
      alone.increment();
      settle(o, lone, o.record);
      ask(o);
      return o.settled;
    }
    Offer raced = offers.putIfAbsent(k, o);
    if (raced != null) {
      return raced.settled;
    }
    offered.increment();
    Offer mine = o;
    calls.later(() -> decideAlone(mine), waitNanos, TimeUnit.NANOSECONDS);
    ask(o);
    return o.settled;
  }

  /**
   * Sends the offer from the outbox thread: the datagram's thread never enters the store's code (a
   * store's "asynchronous" call may still write to a socket whose buffer a frozen peer has filled).
   */
  private void ask(Offer o) {
    long ttl = ttlMillis(o.lone.removalAt(), ticker.read());
    calls.send(
        () -> shared.putIfAbsent(o.key, o.record, ttl).whenComplete((w, e) -> answered(o, w, e)),
        e -> answered(o, null, e));
  }

  private void decideAlone(Offer o) {
    if (o.decided.compareAndSet(false, true)) {
      alone.increment();
      settle(o, o.lone, o.record);
    }
  }

  private void answered(Offer o, byte @Nullable [] winner, @Nullable Throwable e) {
    if (e != null || winner == null) {
      calls.failed("putIfAbsent", e);
      decideAlone(o);
      return;
    }
    Template chosen = o.lone;
    byte[] record = winner; // what the cluster holds: what touches expect to find
    if (!Arrays.equals(winner, o.record)) {
      Template m = materialize(winner, ticker.read());
      if (m != null && m.destination != o.lone.destination) {
        chosen = m; // another director created it first: its real server
      }
    }
    if (o.decided.compareAndSet(false, true)) {
      agreed.increment();
      settle(o, chosen, record);
    } else if (chosen != o.lone && local.contains(o.lone)) {
      overruled.increment(); // decided alone meanwhile: follow the cluster from now on
      rebind(o.lone, chosen, record);
    } // (a lone template already gone, removed here or elsewhere, is not brought back)
  }

  /** Installs the chosen template, then lets the call's waiting datagrams look again. */
  private void settle(Offer o, Template chosen, byte[] record) {
    try {
      chosen.shared = new Template.Shared(o.key, record, chosen.removalAt());
      chosen.firstParked = chosen == o.lone;
      install.accept(chosen);
    } catch (RuntimeException e) {
      calls.failed("install", e);
    } finally {
      offers.remove(ByteBuffer.wrap(o.key), o);
      o.settled.complete(null);
    }
  }

  /** Replaces the local copy {@code old} (if still held) by {@code chosen}. */
  private void rebind(Template old, Template chosen, byte[] record) {
    Template.Shared sh = old.shared;
    if (sh == null) {
      return;
    }
    if (local.remove(old)) {
      gone.accept(old);
    }
    chosen.shared = new Template.Shared(sh.key, record, chosen.removalAt());
    install.accept(chosen);
  }

  /**
   * Inserts into the local tier. A template created here without an offer (a sync backup's, the
   * conn_out path's) is decided alone and offered in the background, reconciled when answered.
   */
  @Override
  public Template putIfAbsent(Template fresh, Consumer<Template> onInsert) {
    if (fresh.shared != null) {
      return local.putIfAbsent(fresh, onInsert); // settled: the cluster's answer, or alone
    }
    byte[] key = TemplateCodec.key(fresh);
    byte[] record = TemplateCodec.record(fresh);
    fresh.shared = new Template.Shared(key, record, fresh.removalAt());
    Template winner = local.putIfAbsent(fresh, onInsert);
    if (winner == fresh) {
      Offer o = new Offer(fresh, key, record);
      o.decided.set(true);
      ask(o);
    }
    return winner;
  }

  @Override
  public void put(Template t, long removalAt, long now) {
    local.put(t, removalAt, now); // an invalidated template: listed here until its timer ends
  }

  @Override
  public void expireAt(Template t, long removalAt, long now) {
    local.expireAt(t, removalAt, now);
    Template.Shared sh = t.shared;
    if (sh != null && !t.invalidated && removalAt - sh.pushedRemoval > TOUCH_STEP_NANOS) {
      sh.pushedRemoval = removalAt;
      try {
        shared.touch(sh.key, sh.record, ttlMillis(removalAt, now));
      } catch (RuntimeException e) {
        calls.failed("touch", e);
      }
    }
  }

  @Override
  public boolean remove(Template t) {
    boolean removed = local.remove(t);
    Template.Shared sh = t.shared;
    if (sh != null) {
      byte[] key = sh.key; // a local copy, or another director's template listed here
      calls.send(() -> shared.remove(key), e -> calls.failed("remove", e));
    }
    return removed;
  }

  @Override
  public boolean contains(Template t) {
    return local.contains(t);
  }

  @Override
  public void cleanUp() {
    local.cleanUp();
  }

  /**
   * The local templates, then the cluster's that this director holds no copy of (bound to this
   * director's services and servers, not put in the table), for listings.
   */
  @Override
  public List<Template> snapshot() {
    List<Template> out = local.snapshot();
    Set<ByteBuffer> held = new HashSet<>();
    for (Template t : out) {
      Template.Shared sh = t.shared;
      if (sh != null) {
        held.add(ByteBuffer.wrap(sh.key));
      }
    }
    long now = ticker.read();
    List<Template> remote = new ArrayList<>();
    try {
      shared.forEach(
          record -> {
            Template m = materialize(record, now);
            if (m != null) {
              byte[] key = TemplateCodec.key(m);
              if (!held.contains(ByteBuffer.wrap(key))) {
                m.shared = new Template.Shared(key, record, 0); // a purge (-D, -d): everywhere
                remote.add(m);
              }
            }
          });
    } catch (RuntimeException e) {
      calls.failed("forEach", e);
    }
    out.addAll(remote);
    return out;
  }

  private void removedElsewhere(byte[] key) {
    Sync.Entry e = TemplateCodec.decode(key);
    TemplateKey probe = e == null ? null : codec.probe(e, new ConnParam());
    Template t = probe == null ? null : local.get(probe, ticker.read());
    if (t != null && local.remove(t)) {
      gone.accept(t);
    }
  }

  /** A merge (or a touch) elsewhere: a local copy bound to another server follows the record. */
  private void replacedElsewhere(byte[] key, byte[] record) {
    Sync.Entry e = TemplateCodec.decode(key);
    TemplateKey probe = e == null ? null : codec.probe(e, new ConnParam());
    long now = ticker.read();
    Template t = probe == null ? null : local.get(probe, now);
    Template.Shared sh = t == null ? null : t.shared;
    if (t == null || (sh != null && Arrays.equals(sh.record, record))) {
      return; // not held here, or held as it is
    }
    Template m = materialize(record, now);
    if (m != null && m.destination != t.destination) {
      overruled.increment();
      rebind(t, m, record);
    }
  }

  private @Nullable Template materialize(byte[] record, long now) {
    Sync.Entry e = TemplateCodec.decode(record);
    return e == null ? null : codec.materialize(e, param.get(), now);
  }

  private static long ttlMillis(long removalAt, long now) {
    return Math.max(1, (Math.max(0, removalAt - now) + GRACE_NANOS) / 1_000_000L);
  }

  /** Stops the wait timer and the outbox. */
  void close() {
    calls.close();
  }
}
