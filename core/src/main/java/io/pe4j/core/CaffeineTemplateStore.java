package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Policy;
import com.github.benmanes.caffeine.cache.Policy.VarExpiration;
import com.github.benmanes.caffeine.cache.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The default {@link TemplateStore} ({@link Ipvs.TemplateStoreKind#CAFFEINE}): a Caffeine cache
 * with variable expiry on the injected ticker. A template is its own key; lookups pass a {@link
 * TemplateKey} probe, quietly (no read recorded, nothing allocated).
 *
 * <p>Caffeine's timer for a template is the last nanosecond of the {@linkplain
 * Expiring#GRANULE_SHIFT granule} (about 1.07 s) that holds its removal time, not the removal time
 * itself: a refresh that keeps the removal time in its granule (a call's datagrams less than a
 * second apart) then does not touch Caffeine at all — on two threads that halved the hit's cost
 * (BENCHMARKS.md §13). The price is physical removal up to one granule after the removal time
 * (before: at the next clean-up); the eviction listener still runs inside the atomic removal, so
 * the table's counts stay exact (they too lag by up to a granule; a full table's eviction order
 * removes such a template as expired when it meets one). Visibility stays exact: a lookup checks
 * the template's own removal time, a snapshot leaves such templates out, and a creation replaces
 * one.
 */
final class CaffeineTemplateStore implements TemplateStore {

  private final Ticker ticker;
  private final Consumer<Template> onExpired;
  private final Cache<Object, Template> cache;
  private final VarExpiration<Object, Template> timers;
  private final Policy<Object, Template> policy;

  CaffeineTemplateStore(Ticker ticker, Consumer<Template> onExpired) {
    this.ticker = ticker;
    this.onExpired = onExpired;
    this.cache = Expiring.cache(ticker, Template::scheduledRemoval, onExpired);
    this.policy = cache.policy();
    this.timers = policy.expireVariably().orElseThrow();
  }

  /**
   * A quiet lookup (no read recorded, no timer moved), then the template's own removal time, read
   * without its lock: Caffeine's timer may lie up to a granule beyond it.
   */
  @Override
  public @Nullable Template get(TemplateKey probe, long now) {
    Template t = policy.getIfPresentQuietly(probe);
    return t == null || !t.liveAt(now) ? null : t;
  }

  /**
   * Inserts unless a live template is stored; one whose removal time passed but that Caffeine has
   * not evicted yet (its timer is the end of the granule) is removed first, as expired.
   */
  @Override
  public Template putIfAbsent(Template fresh, Consumer<Template> onInsert) {
    while (true) {
      Template stored =
          cache
              .asMap()
              .computeIfAbsent(
                  fresh,
                  k -> {
                    onInsert.accept(fresh);
                    return fresh;
                  });
      if (stored == fresh || stored.liveAt(ticker.read())) {
        return stored;
      }
      removeIdentity(stored, true);
    }
  }

  @Override
  public void put(Template t, long removalAt, long now) {
    t.scheduledGranule = Expiring.granule(removalAt);
    var unused =
        timers.put(t, t, Math.max(0, Expiring.granuleEnd(removalAt) - now), TimeUnit.NANOSECONDS);
  }

  /**
   * Moves Caffeine's timer only when the removal time left the granule Caffeine last read: the
   * cache then reads the new time from the template itself ({@link Expiring#retime}).
   */
  @Override
  public void expireAt(Template t, long removalAt, long now) {
    if (Expiring.granule(removalAt) != t.scheduledGranule) {
      Expiring.retime(cache, t);
    }
  }

  /**
   * Removes {@code t} itself: a template equals another with the same key, so the map's {@code
   * remove(key, value)} would also take a newer template of the same Call-ID in its place.
   */
  @Override
  public boolean remove(Template t) {
    return removeIdentity(t, false);
  }

  /**
   * Removes {@code t} itself; an expired one is handed to the expiry listener, inside the removal.
   */
  private boolean removeIdentity(Template t, boolean expired) {
    boolean[] removed = {false};
    cache
        .asMap()
        .computeIfPresent(
            t,
            (k, v) -> {
              if (v != t) {
                return v;
              }
              removed[0] = true;
              if (expired) {
                onExpired.accept(v);
              }
              return null;
            });
    return removed[0];
  }

  @Override
  public boolean contains(Template t) {
    return cache.asMap().get(t) == t;
  }

  @Override
  public void cleanUp() {
    cache.cleanUp();
  }

  /** The live templates: those past their removal time but not yet evicted are left out. */
  @Override
  public List<Template> snapshot() {
    cache.cleanUp();
    long now = ticker.read();
    List<Template> out = new ArrayList<>();
    for (Template t : cache.asMap().values()) {
      if (t.liveAt(now)) {
        out.add(t);
      }
    }
    return out;
  }
}
