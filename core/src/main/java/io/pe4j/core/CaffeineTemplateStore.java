package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Cache;
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
 * removal, so the table's counts stay exact.
 */
final class CaffeineTemplateStore implements TemplateStore {

  private final Cache<TemplateKey, Template> cache;
  private final VarExpiration<TemplateKey, Template> timers;

  CaffeineTemplateStore(Ticker ticker, Consumer<Template> onExpired) {
    this.cache = Expiring.cache(ticker, Template::removalAt, onExpired);
    this.timers = cache.policy().expireVariably().orElseThrow();
  }

  @Override
  public @Nullable Template get(TemplateKey probe) {
    return cache.getIfPresent(probe);
  }

  @Override
  public Template putIfAbsent(Template fresh, Consumer<Template> onInsert) {
    return cache
        .asMap()
        .computeIfAbsent(
            fresh.key,
            k -> {
              onInsert.accept(fresh);
              return fresh;
            });
  }

  @Override
  public void put(Template t, long removalAt, long now) {
    var unused = timers.put(t.key, t, Math.max(0, removalAt - now), TimeUnit.NANOSECONDS);
  }

  @Override
  public void expireAt(Template t, long removalAt, long now) {
    timers.setExpiresAfter(t.key, Math.max(0, removalAt - now), TimeUnit.NANOSECONDS);
  }

  @Override
  public boolean remove(Template t) {
    return cache.asMap().remove(t.key, t);
  }

  @Override
  public boolean contains(Template t) {
    return cache.asMap().get(t.key) == t;
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
