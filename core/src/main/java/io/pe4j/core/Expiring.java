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
 * Caffeine caches whose entries carry their own removal time (connections, and templates in {@link
 * CaffeineTemplateStore}; {@link IntrusiveTemplateStore} keeps the same granule): created, updated
 * and read entries expire at {@code removalAt}, and {@code onExpired} runs inside the atomic
 * removal of each expired entry, so counts kept beside the cache stay exact.
 *
 * <p>A read takes the entry's removal time too, so an owner moves an entry's timer by changing the
 * entry and then reading it ({@link #retime}): one lookup, no lock on Caffeine's node and nothing
 * allocated, where {@code Policy.VarExpiration.setExpiresAfter} boxes its duration for an argument
 * check on every call (Caffeine 3.3). Every change of an entry's removal time is followed by such a
 * read, so a read between the two can only find the time it already has, or the newer one.
 */
final class Expiring {

  /**
   * The timer granule: 2^30 ns (about 1.07 s), the span of a bucket of Caffeine's finest timer
   * wheel. Owners give Caffeine the last nanosecond of the granule that holds an entry's removal
   * time ({@link #granuleEnd}) and check the exact time themselves on lookup. Two reasons. A
   * refresh that stays in the granule leaves Caffeine's time as it is (no re-time on most of a busy
   * entry's uses). And a read moves Caffeine's time forward only by more than its tolerance
   * (Caffeine 3.3: {@code EXPIRE_TOLERANCE}, 1 s) — a refresh by less was dropped, and the entry
   * expired up to a second early; a granule step is more than that tolerance.
   */
  static final int GRANULE_SHIFT = 30;

  static final long GRANULE_MASK = (1L << GRANULE_SHIFT) - 1;

  private Expiring() {}

  /** The last nanosecond of the granule that holds {@code removalAt}. */
  static long granuleEnd(long removalAt) {
    return removalAt | GRANULE_MASK;
  }

  /** The granule that holds {@code removalAt}, as a number (truncated: compared, never ordered). */
  static int granule(long removalAt) {
    return (int) (removalAt >>> GRANULE_SHIFT);
  }

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
                return Math.max(0, removalAt.applyAsLong(v) - now);
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

  /** Moves the timer of {@code key}'s entry to the removal time its value now carries. */
  static <K, V> void retime(Cache<K, V> cache, K key) {
    var unused = cache.getIfPresent(key);
  }
}
