package io.pe4j.core;

import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.internal.EngineUses;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The connection templates (spec §3): the only owner and writer of templates and their timers —
 * lookup, atomic creation, refresh on use, invalidation (§3.5), the bound with the eviction of
 * templates that never became established, removal, and the per-destination and per-engine counts
 * that follow each template in and out. Keeps them in a {@link TemplateStore}.
 */
final class TemplateTable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.core");

  private final TemplateStore store;
  private final @Nullable SharedTierStore tiers;
  private final com.github.benmanes.caffeine.cache.Ticker ticker;
  private final PersistenceEngines engines;
  private final long max;
  private final AtomicLong count = new AtomicLong();
  private final java.util.concurrent.atomic.LongAdder created =
      new java.util.concurrent.atomic.LongAdder();
  private final java.util.concurrent.atomic.LongAdder left =
      new java.util.concurrent.atomic.LongAdder();
  // Templates in creation order, the newest `max` of them: where a full table looks for
  // templates that never became established (the kernel's drop_entry defence, for templates).
  // Linked through the templates themselves (8 bytes a template, not a 24-byte queue node), both
  // ways, so that a template leaves the order when it leaves the table: an expired template is
  // unreachable once gone, and the heap tracks the live templates, not the bound. Guarded by
  // creationOrderLock — taken once per new template and once per template gone, never on a hit.
  private final Object creationOrderLock = new Object();
  private @Nullable Template creationOrderHead;
  private @Nullable Template creationOrderTail;
  private long creationOrderSize;
  // One instance, not a new method reference per created template.
  private final java.util.function.Consumer<Template> onArrived = this::arrived;

  TemplateTable(
      com.github.benmanes.caffeine.cache.Ticker ticker,
      PersistenceEngines engines,
      long max,
      @Nullable SharedTemplates shared,
      TemplateCodec codec,
      long clusterWaitNanos,
      boolean ownTable) {
    this.ticker = ticker;
    this.engines = engines;
    this.max = max;
    TemplateStore local =
        ownTable
            ? new IntrusiveTemplateStore(ticker, this::gone)
            : new CaffeineTemplateStore(ticker, this::gone);
    if (shared == null) {
      this.store = local;
      this.tiers = null;
    } else {
      SharedTierStore s =
          new SharedTierStore(
              ticker, local, shared, codec, this::arrived, this::gone, clusterWaitNanos);
      s.installer(
          t -> {
            var unused = create(t, true);
          });
      this.store = s;
      this.tiers = s;
    }
  }

  /** Returns how many operations on the shared table failed (0 without one). */
  long sharedErrors() {
    SharedTierStore s = tiers;
    return s == null ? 0 : s.errors();
  }

  /** Returns whether a new call is offered to a cluster ({@link #offer}) rather than created. */
  boolean shared() {
    return tiers != null;
  }

  /**
   * Offers a new call's template to the cluster (only when {@link #shared()}); the stage completes
   * when its datagrams may look again.
   */
  CompletableFuture<Void> offer(Template lone) {
    return java.util.Objects.requireNonNull(tiers).offer(lone);
  }

  /** Returns the shared tier's counts: offered, answered in time, decided alone, overruled. */
  long[] offerCounts() {
    SharedTierStore s = tiers;
    return s == null ? new long[4] : s.offerCounts();
  }

  /** Stops the shared tier's timer. */
  void close() {
    SharedTierStore s = tiers;
    if (s != null) {
      s.close();
    }
  }

  /** Returns the template for {@code probe} live at {@code now}, or null. */
  @Nullable Template find(TemplateKey probe, long now) {
    return store.get(probe, now);
  }

  /**
   * Creates a template unless a racing thread created one for the same key first, and returns the
   * one in the table; null when the table is full and no unestablished template can make room
   * (counted as refused).
   */
  @Nullable Template create(Template fresh, boolean mayEvict) {
    VirtualService svc = fresh.service;
    if (count.get() >= max) {
      store.cleanUp(); // expired templates leave before anything is refused
      if (count.get() >= max && !(mayEvict && evictUnestablished())) {
        svc.templatesRefused.increment();
        return null;
      }
    }
    Template winner = store.putIfAbsent(fresh, onArrived);
    if (winner == fresh && mayEvict) {
      synchronized (creationOrderLock) {
        if (fresh.leftTable) {
          return winner; // removed between its insertion and here: it stays off the order
        }
        Template tail = creationOrderTail;
        if (tail == null) {
          creationOrderHead = fresh;
        } else {
          tail.nextCreated = fresh;
          fresh.prevCreated = tail;
        }
        creationOrderTail = fresh;
        if (++creationOrderSize > max) {
          pollOldest();
        }
      }
    }
    return winner;
  }

  /** Takes the oldest template off the creation order; the caller holds its lock. */
  private @Nullable Template pollOldest() {
    Template head = creationOrderHead;
    if (head != null) {
      unlinkCreated(head);
    }
    return head;
  }

  /** Takes {@code t} off the creation order if it is on it; the caller holds its lock. */
  private void unlinkCreated(Template t) {
    Template prev = t.prevCreated;
    Template next = t.nextCreated;
    if (prev == null && creationOrderHead != t) {
      return; // not on it: polled, trimmed, or never put there (synced, installed)
    }
    if (prev == null) {
      creationOrderHead = next;
    } else {
      prev.nextCreated = next;
    }
    if (next == null) {
      creationOrderTail = prev;
    } else {
      next.prevCreated = prev;
    }
    t.prevCreated = null;
    t.nextCreated = null;
    creationOrderSize--;
  }

  /**
   * Makes room in a full table by removing the oldest template that never became established: it
   * saw one datagram, no reply (not ASSURED) and controls no connection. A flood of one-datagram
   * keys thus gives way to itself, never to calls in progress. Established templates met on the way
   * leave the queue for good (they are never candidates again), so the scan is short on average; it
   * stops after 1,024, a run that only calls created with no flood between them (for 5 s at 200
   * calls/s) can fill — with 64, a 0.3 s pause of a flood's sender did, and a call was refused its
   * template.
   */
  private boolean evictUnestablished() {
    for (int i = 0; i < 1024; i++) {
      Template t;
      synchronized (creationOrderLock) {
        t = pollOldest();
      }
      if (t == null) {
        return false;
      }
      if (t.reused || t.invalidated || t.isAssured() || t.controlledCount() > 0) {
        continue; // established (or leaving): it keeps its place in the table
      }
      // past its removal time but not yet removed by the store's timer: it expired, not evicted
      boolean expired = !t.liveAt(ticker.read());
      if (remove(t)) {
        if (expired) {
          return true;
        }
        t.service.templatesEvicted.increment();
        if (LOG.isLoggable(System.Logger.Level.TRACE)) {
          LOG.log(System.Logger.Level.TRACE, "{0}: template evicted to make room", t.service);
        }
        return true;
      }
    }
    return false;
  }

  /** Restarts a template's timer on use (§3.4 item 1). */
  void refresh(Template t, long now) {
    long removal = t.refresh(now);
    if (!t.invalidated) {
      store.expireAt(t, removal, now);
    }
  }

  /** Sets a template's timer after a datagram found it, if it is still in the table. */
  void retime(Template t, long removal, long now) {
    if (!t.invalidated && store.contains(t)) {
      store.expireAt(t, removal, now);
    }
  }

  /** Sets the timer of a template that a new controlled connection keeps alive. */
  void controlled(Template t, long removal, long now) {
    if (!t.invalidated) {
      store.expireAt(t, removal, now);
    }
  }

  /**
   * Invalidates a template (spec §3.5, the "0xffff trick"): its ports become 65535, it no longer
   * matches any lookup, and it stays listed until its own timer removes it.
   */
  void invalidate(Template t, long now) {
    synchronized (t) {
      if (t.invalidated) {
        return;
      }
      t.invalidated = true;
    }
    if (!store.remove(t)) {
      return;
    }
    t.virtualPort = 0xffff;
    t.destinationPort = 0xffff;
    t.identityOnly();
    long removal = t.removalAt();
    if (removal > now) {
      store.put(t, removal, now);
    } else {
      gone(t);
    }
  }

  /** Removes a template at once; returns whether it was in the table. */
  boolean remove(Template t) {
    if (store.remove(t)) {
      gone(t);
      return true;
    }
    return false;
  }

  /** Removes every template {@code which} selects. */
  void removeIf(Predicate<Template> which) {
    for (Template t : store.snapshot()) {
      if (which.test(t)) {
        remove(t);
      }
    }
  }

  /** Returns the templates, for listings and sync. */
  List<Template> snapshot() {
    return store.snapshot();
  }

  /** Returns the number of templates, the expired ones removed first. */
  long count() {
    store.cleanUp();
    return count.get();
  }

  /** Returns whether the table is at its bound (sync refuses new templates then). */
  boolean full() {
    return count.get() >= max;
  }

  void cleanUp() {
    store.cleanUp();
  }

  /** Returns how many templates were created (synced ones included) and how many left. */
  long[] totals() {
    return new long[] {created.sum(), left.sum()};
  }

  /** Inside the atomic insertion: the counts that follow a template in. */
  private void arrived(Template t) {
    created.increment();
    count.incrementAndGet();
    t.destination.persistConns.incrementAndGet();
    PersistenceEngine e = t.engine();
    if (e != null) {
      uses(t, e).retain();
    }
  }

  /** The counts that follow a template out (expired, removed or evicted). */
  private void gone(Template t) {
    synchronized (creationOrderLock) {
      t.leftTable = true;
      unlinkCreated(t);
    }
    left.increment();
    count.decrementAndGet();
    t.destination.persistConns.decrementAndGet();
    PersistenceEngine e = t.engine();
    if (e != null) {
      uses(t, e).release();
    }
  }

  /**
   * The service's lock-free counter of its templates' engine uses; the registry's (synchronized)
   * only when the template's engine is no longer the service's (an {@code -E} raced it).
   */
  private EngineUses uses(Template t, PersistenceEngine e) {
    EngineUses u = t.service.config.templateUses;
    return u != null && u.engine() == e ? u : EngineUses.of(engines, e, t.service.templatesHolder);
  }
}
