package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.RemovalCause;
import com.github.benmanes.caffeine.cache.Ticker;
import java.util.function.Consumer;
import java.util.function.ToLongFunction;
import org.jspecify.annotations.Nullable;

/**
 * Caffeine caches whose entries carry their own removal time (templates, connections): created and
 * updated entries expire at {@code removalAt}, reads leave the time alone, and {@code onExpired}
 * runs inside the atomic removal of each expired entry, so counts kept beside the cache stay exact.
 */
final class Expiring {

  private Expiring() {}

  static <K, V> Cache<K, V> cache(
      Ticker ticker, ToLongFunction<V> removalAt, Consumer<V> onExpired) {
    return Caffeine.newBuilder()
        .ticker(ticker)
        .executor(Runnable::run)
        .expireAfter(
            new Expiry<K, V>() {
              @Override
              public long expireAfterCreate(K k, V v, long now) {
                return Math.max(0, removalAt.applyAsLong(v) - now);
              }

              @Override
              public long expireAfterUpdate(K k, V v, long now, long current) {
                return Math.max(0, removalAt.applyAsLong(v) - now);
              }

              @Override
              public long expireAfterRead(K k, V v, long now, long current) {
                return current;
              }
            })
        .evictionListener(
            (@Nullable K k, @Nullable V v, RemovalCause cause) -> {
              if (v != null) {
                onExpired.accept(v);
              }
            })
        .build();
  }
}
