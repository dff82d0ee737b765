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
 * The default {@link TemplateStore}: a Caffeine cache with variable expiry on the injected ticker.
 * Visibility is exact (Caffeine never returns an entry past its expiry); physical removal runs on
 * Caffeine's timer wheel, up to about 1.07 s late, and the eviction listener runs inside the atomic
 * removal, so the table's counts stay exact. A template is its own key; lookups pass a {@link
 * TemplateKey} probe.
 */
final class CaffeineTemplateStore implements TemplateStore {

  private final Cache<Object, Template> cache;
  private final VarExpiration<Object, Template> timers;
  private final Policy<Object, Template> policy;

  CaffeineTemplateStore(Ticker ticker, Consumer<Template> onExpired) {
    this.cache = Expiring.cache(ticker, Template::removalAt, onExpired);
    this.policy = cache.policy();
    this.timers = policy.expireVariably().orElseThrow();
  }

  /**
   * A quiet lookup: it honours expiry but does not ask the template for its removal time (under the
   * template's lock) as a read through {@link Expiring} would; only {@link #expireAt} needs that.
   */
  @Override
  public @Nullable Template get(TemplateKey probe) {
    return policy.getIfPresentQuietly(probe);
  }

  @Override
  public Template putIfAbsent(Template fresh, Consumer<Template> onInsert) {
    return cache
        .asMap()
        .computeIfAbsent(
            fresh,
            k -> {
              onInsert.accept(fresh);
              return fresh;
            });
  }

  @Override
  public void put(Template t, long removalAt, long now) {
    var unused = timers.put(t, t, Math.max(0, removalAt - now), TimeUnit.NANOSECONDS);
  }

  /** The cache reads {@code removalAt} from the template itself ({@link Expiring#retime}). */
  @Override
  public void expireAt(Template t, long removalAt, long now) {
    Expiring.retime(cache, t);
  }

  /**
   * Removes {@code t} itself: a template equals another with the same key, so the map's {@code
   * remove(key, value)} would also take a newer template of the same Call-ID in its place.
   */
  @Override
  public boolean remove(Template t) {
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

  @Override
  public List<Template> snapshot() {
    cache.cleanUp();
    return new ArrayList<>(cache.asMap().values());
  }
}
