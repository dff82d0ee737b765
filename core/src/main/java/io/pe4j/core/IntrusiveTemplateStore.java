package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The own-table {@link TemplateStore} ({@link Ipvs.TemplateStoreKind#TABLE}): a hash table and a
 * timer wheel whose nodes are the templates themselves, as the kernel links its {@code ip_vs_conn}
 * entries into {@code ip_vs_conn_tab} and gives each its own timer. A new call allocates its
 * template and pe data and nothing else; a hit reads the stripe, the bin and the template, with no
 * lock and no write.
 *
 * <p><b>Stripes.</b> Templates are spread over {@value #STRIPES} stripes by their hash. A stripe's
 * monitor guards its bins, its wheel and the templates' links in both: inserting, removing,
 * expiring and growing take it; a lookup does not. A lookup walks the chain lock-free (a removal
 * unlinks a template without touching its own link, so a walker standing on it goes on); only a
 * stripe's growth relinks chains, and a lookup that found nothing while one ran searches again
 * under the lock.
 *
 * <p><b>Timers.</b> Each stripe has a wheel of {@value #WHEEL} buckets, one per {@linkplain
 * Expiring#GRANULE_SHIFT granule} (about 1.07 s), about 137 s round. A template sits in the bucket
 * of the granule that held its removal time when it was last filed there ({@link
 * Template#scheduledGranule}); a refresh only moves the time in the template, and when the bucket's
 * granule has passed the template is removed if its time has come or filed again under its new
 * time. A busy call thus costs the wheel one move per round or per timeout, not one per datagram;
 * only a removal time that moves into an earlier granule (a shorter timeout) moves the template at
 * once. The wheel turns on the threads that use the store, like Caffeine's maintenance: a lookup or
 * creation in a new granule turns it (if no other thread is turning it), and {@link #cleanUp} does.
 * Visibility is exact (a lookup checks the template's own removal time); physical removal lags it
 * by at most a granule. The expiry listener runs inside the removal, under the stripe's lock.
 *
 * <p>An invalidated template (spec §3.5) matches no lookup: it lives in the wheel only, listed
 * until its timer ends.
 */
final class IntrusiveTemplateStore implements TemplateStore {

  static final int STRIPES = 32;
  private static final int STRIPE_SHIFT = 32 - Integer.numberOfTrailingZeros(STRIPES);
  static final int WHEEL = 128;
  private static final int WHEEL_MASK = WHEEL - 1;
  private static final int INITIAL_BINS = 8;

  private static final byte OUT = 0;
  static final byte CHAINED = 1;
  static final byte WHEEL_ONLY = 2;
  private static final byte LEFT = 3;

  private static final VarHandle BINS = MethodHandles.arrayElementVarHandle(Template[].class);

  /** One stripe: guarded by its own monitor, except the lock-free reads of bins and chains. */
  private static final class Stripe {
    volatile Template[] bins = new Template[INITIAL_BINS];

    /** Odd while the bins grow; a lookup that saw it change searches again under the lock. */
    volatile int growing;

    int size;
    final Template[] wheel = new Template[WHEEL];

    /** The first granule whose bucket this stripe has not turned yet. */
    long nextGranule;
  }

  private final Ticker ticker;
  private final Consumer<Template> onExpired;
  private final Stripe[] stripes = new Stripe[STRIPES];
  private final ReentrantLock turning = new ReentrantLock();

  /** The granule the wheel last turned to: a lookup in another one turns it. */
  private volatile long turnedTo;

  IntrusiveTemplateStore(Ticker ticker, Consumer<Template> onExpired) {
    this.ticker = ticker;
    this.onExpired = onExpired;
    long g = ticker.read() >> Expiring.GRANULE_SHIFT;
    for (int i = 0; i < STRIPES; i++) {
      stripes[i] = new Stripe();
      stripes[i].nextGranule = g;
    }
    turnedTo = g;
  }

  private Stripe stripe(int hash) {
    return stripes[(hash * 0x9E3779B9) >>> STRIPE_SHIFT];
  }

  private static int bin(int hash, int length) {
    return (hash ^ (hash >>> 16)) & (length - 1);
  }

  private static @Nullable Template head(Template[] bins, int i) {
    return (Template) BINS.getAcquire(bins, i);
  }

  @Override
  public @Nullable Template get(TemplateKey probe, long now) {
    maybeTurn(now);
    int h = probe.hashCode();
    Stripe s = stripe(h);
    int growing = s.growing;
    Template[] bins = s.bins;
    for (Template t = head(bins, bin(h, bins.length)); t != null; t = t.chainNext) {
      if (t.hashCode() == h && probe.equals(t)) {
        return t.liveAt(now) ? t : null;
      }
    }
    if (growing == s.growing && (growing & 1) == 0) {
      return null;
    }
    synchronized (s) { // the bins grew under the walk: its miss may be wrong
      Template t = find(s, probe, h);
      return t == null || !t.liveAt(now) ? null : t;
    }
  }

  /** Searches the chain for {@code key}; the caller holds the stripe's lock. */
  private static @Nullable Template find(Stripe s, Object key, int h) {
    Template[] bins = s.bins;
    for (Template t = bins[bin(h, bins.length)]; t != null; t = t.chainNext) {
      if (t.hashCode() == h && key.equals(t)) {
        return t;
      }
    }
    return null;
  }

  /**
   * Inserts unless a live template of an equal key is stored; one past its removal time that the
   * wheel has not removed yet is removed first, as expired.
   */
  @Override
  public Template putIfAbsent(Template fresh, Consumer<Template> onInsert) {
    long now = ticker.read();
    maybeTurn(now);
    int h = fresh.hashCode();
    Stripe s = stripe(h);
    synchronized (s) {
      Template stored = find(s, fresh, h);
      if (stored != null) {
        if (stored.liveAt(now)) {
          return stored;
        }
        unlink(s, stored);
        onExpired.accept(stored);
      }
      onInsert.accept(fresh);
      Template[] bins = s.bins;
      int i = bin(h, bins.length);
      boolean relinked = fresh.storeState != OUT; // stored before: a walker may stand on it
      if (relinked) {
        s.growing++;
      }
      fresh.chainNext = bins[i];
      BINS.setRelease(bins, i, fresh);
      if (relinked) {
        s.growing++;
      }
      fresh.storeState = CHAINED;
      file(s, fresh, fresh.removalAtRelaxed() >> Expiring.GRANULE_SHIFT);
      if (++s.size > bins.length - (bins.length >>> 2)) {
        grow(s);
      }
      return fresh;
    }
  }

  /** Stores an invalidated template in the wheel only: no lookup matches it. */
  @Override
  public void put(Template t, long removalAt, long now) {
    Stripe s = stripe(t.hashCode());
    synchronized (s) {
      if (t.storeState == CHAINED || t.storeState == WHEEL_ONLY) {
        unlink(s, t);
      }
      t.storeState = WHEEL_ONLY;
      file(s, t, removalAt >> Expiring.GRANULE_SHIFT);
    }
  }

  /**
   * A later removal time costs nothing here (the wheel finds it when the bucket's granule passes);
   * an earlier granule moves the template to its bucket at once.
   */
  @Override
  public void expireAt(Template t, long removalAt, long now) {
    int g = Expiring.granule(removalAt);
    if (g - t.scheduledGranule >= 0) {
      return;
    }
    Stripe s = stripe(t.hashCode());
    synchronized (s) {
      if ((t.storeState == CHAINED || t.storeState == WHEEL_ONLY) && g - t.scheduledGranule < 0) {
        unfile(s, t);
        file(s, t, removalAt >> Expiring.GRANULE_SHIFT);
      }
    }
  }

  @Override
  public boolean remove(Template t) {
    Stripe s = stripe(t.hashCode());
    synchronized (s) {
      if (t.storeState != CHAINED && t.storeState != WHEEL_ONLY) {
        return false;
      }
      unlink(s, t);
      return true;
    }
  }

  @Override
  public boolean contains(Template t) {
    byte state = t.storeState;
    return state == CHAINED || state == WHEEL_ONLY;
  }

  @Override
  public void cleanUp() {
    long now = ticker.read();
    turning.lock();
    try {
      turn(now);
    } finally {
      turning.unlock();
    }
  }

  /** The live templates, after the wheel turned. */
  @Override
  public List<Template> snapshot() {
    cleanUp();
    long now = ticker.read();
    List<Template> out = new ArrayList<>();
    for (Stripe s : stripes) {
      synchronized (s) {
        for (Template head : s.wheel) {
          for (Template t = head; t != null; t = t.wheelNext) {
            if (t.liveAt(now)) {
              out.add(t);
            }
          }
        }
      }
    }
    return out;
  }

  private void maybeTurn(long now) {
    if (now >> Expiring.GRANULE_SHIFT != turnedTo && turning.tryLock()) {
      try {
        turn(now);
      } finally {
        turning.unlock();
      }
    }
  }

  /** Turns every stripe's wheel to {@code now}'s granule; the caller holds {@link #turning}. */
  private void turn(long now) {
    long target = now >> Expiring.GRANULE_SHIFT;
    for (Stripe s : stripes) {
      synchronized (s) {
        turn(s, target, now);
      }
    }
    turnedTo = target;
  }

  /**
   * Turns one stripe's buckets for the granules before {@code target} (at most one round: after a
   * longer jump of the clock every bucket is visited once): a template past its removal time leaves
   * as expired, a live one is filed under its current time.
   */
  private void turn(Stripe s, long target, long now) {
    long g = s.nextGranule;
    if (target - g <= 0) {
      return;
    }
    long buckets = Math.min(target - g, WHEEL);
    for (long k = 0; k < buckets; k++) {
      int b = (int) ((g + k) & WHEEL_MASK);
      Template t = s.wheel[b];
      while (t != null) {
        Template next = t.wheelNext;
        long removal = t.removalAtRelaxed();
        if (removal - now <= 0) {
          unlink(s, t);
          onExpired.accept(t);
        } else if ((int) ((removal >> Expiring.GRANULE_SHIFT) & WHEEL_MASK) != b) {
          unfile(s, t); // live, so its granule is target or later: not turned yet
          file(s, t, removal >> Expiring.GRANULE_SHIFT);
        } else {
          t.scheduledGranule = (int) (removal >> Expiring.GRANULE_SHIFT); // a later round
        }
        t = next;
      }
    }
    s.nextGranule = target;
  }

  /** Files {@code t} in the bucket of {@code granule}, or of the stripe's next one if earlier. */
  private static void file(Stripe s, Template t, long granule) {
    long g = granule - s.nextGranule < 0 ? s.nextGranule : granule;
    int b = (int) (g & WHEEL_MASK);
    Template head = s.wheel[b];
    t.wheelPrev = null;
    t.wheelNext = head;
    if (head != null) {
      head.wheelPrev = t;
    }
    s.wheel[b] = t;
    t.scheduledGranule = (int) g;
  }

  /** Takes {@code t} out of its bucket. */
  private static void unfile(Stripe s, Template t) {
    Template prev = t.wheelPrev;
    Template next = t.wheelNext;
    if (prev == null) {
      s.wheel[t.scheduledGranule & WHEEL_MASK] = next;
    } else {
      prev.wheelNext = next;
    }
    if (next != null) {
      next.wheelPrev = prev;
    }
    t.wheelPrev = null;
    t.wheelNext = null;
  }

  /**
   * Takes {@code t} out of its chain (if chained) and its bucket. Its own chain link stays: a
   * lookup standing on it walks on.
   */
  private static void unlink(Stripe s, Template t) {
    if (t.storeState == CHAINED) {
      Template[] bins = s.bins;
      int i = bin(t.hashCode(), bins.length);
      Template prev = null;
      for (Template c = bins[i]; c != null; c = c.chainNext) {
        if (c == t) {
          if (prev == null) {
            BINS.setRelease(bins, i, t.chainNext);
          } else {
            prev.chainNext = t.chainNext;
          }
          break;
        }
        prev = c;
      }
      s.size--;
    }
    unfile(s, t);
    t.storeState = LEFT;
  }

  /** Doubles a stripe's bins, relinking its chains; lookups meanwhile search again if they miss. */
  private static void grow(Stripe s) {
    Template[] old = s.bins;
    Template[] bins = new Template[old.length * 2];
    s.growing++;
    for (Template head : old) {
      for (Template t = head; t != null; ) {
        Template next = t.chainNext;
        int i = bin(t.hashCode(), bins.length);
        t.chainNext = bins[i];
        bins[i] = t;
        t = next;
      }
    }
    s.bins = bins;
    s.growing++;
  }
}
