package io.pe4j.cluster;

import com.google.common.util.concurrent.RateLimiter;
import io.pe4j.core.SharedTemplates;
import java.util.Arrays;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.infinispan.AdvancedCache;
import org.infinispan.notifications.Listener;
import org.infinispan.notifications.cachelistener.annotation.CacheEntryRemoved;
import org.infinispan.notifications.cachelistener.event.CacheEntryRemovedEvent;
import org.infinispan.notifications.cachemanagerlistener.annotation.Merged;
import org.infinispan.notifications.cachemanagerlistener.event.MergeEvent;
import org.jspecify.annotations.Nullable;

/**
 * The shared template table on an Infinispan distributed cache of byte arrays (two owners per key):
 * keys and records are the core's own compact encoding (IPVS sync entries), compared by their
 * bytes. Every operation is asynchronous: creation is {@code putIfAbsentAsync} (atomic on the key's
 * primary owner), touches are a conditional {@code replaceAsync} batched by a thread of their own
 * at most every 200 ms, removals {@code removeAsync}. Nothing here blocks the caller on the
 * network.
 */
public final class InfinispanTemplates implements SharedTemplates, AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.cluster");
  private static final long FLUSH_MILLIS = 200;

  private final AdvancedCache<byte[], byte[]> cache;
  private final Map<Key, Touch> pendingTouches = new ConcurrentHashMap<>();
  private final LongAdder touchesSent = new LongAdder();
  private final LongAdder touchErrors = new LongAdder();
  private final Thread flusher;
  private volatile boolean closed;

  /** Failed cluster calls: one warning a second, the rest counted. */
  private final RateLimiter warnings = RateLimiter.create(1.0);

  /** A key compared by its bytes. */
  private record Key(byte[] bytes) {
    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Key k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }

  private record Touch(byte[] record, long ttlMillis) {}

  InfinispanTemplates(AdvancedCache<byte[], byte[]> cache) {
    this.cache = cache;
    this.flusher = new Thread(this::flushLoop, "pe4j-cluster-touch");
    flusher.setDaemon(true);
    flusher.start();
  }

  @Override
  public CompletableFuture<byte[]> putIfAbsent(byte[] key, byte[] record, long ttlMillis) {
    return cache
        .putIfAbsentAsync(key, record, ttlMillis, TimeUnit.MILLISECONDS)
        .thenApply(previous -> previous != null ? previous : record);
  }

  @Override
  public CompletableFuture<byte @Nullable []> get(byte[] key) {
    return cache.getAsync(key);
  }

  @Override
  public void onMerged(Runnable merged) {
    cache.getCacheManager().addListener(new Merges(merged));
  }

  /** Merges of this member's partition with another. */
  @Listener
  public static final class Merges {
    private final Runnable merged;

    Merges(Runnable merged) {
      this.merged = merged;
    }

    /** A merge view. */
    @Merged
    public void merged(MergeEvent event) {
      merged.run();
    }
  }

  @Override
  public void touch(byte[] key, byte[] record, long ttlMillis) {
    pendingTouches.merge(
        new Key(key),
        new Touch(record, ttlMillis),
        (a, b) -> a.ttlMillis() >= b.ttlMillis() ? a : b);
  }

  @Override
  public void remove(byte[] key) {
    pendingTouches.remove(new Key(key));
    cache.removeAsync(key).whenComplete((v, e) -> failed("remove", e));
  }

  @Override
  public void forEach(Consumer<byte[]> action) {
    for (byte[] record : cache.values()) {
      action.accept(record);
    }
  }

  @Override
  public void onRemoved(Consumer<byte[]> removed) {
    cache.addListener(new Removals(removed));
  }

  /**
   * Removals by any member, told to every member, without holding up the removal. (Replacements are
   * not listened to: every touch is one, and a merge's are found by the check after it.)
   */
  @Listener(clustered = true, sync = false)
  public static final class Removals {
    private final Consumer<byte[]> removed;

    Removals(Consumer<byte[]> removed) {
      this.removed = removed;
    }

    /** A record removed anywhere. */
    @CacheEntryRemoved
    public void removed(CacheEntryRemovedEvent<byte[], byte[]> event) {
      removed.accept(event.getKey());
    }
  }

  /** Returns the number of templates in the cluster (a cluster-wide count: not for a hot path). */
  public int size() {
    return cache.size();
  }

  /** Returns how many touches were sent to the cluster. */
  public long touchesSent() {
    return touchesSent.sum();
  }

  /** Returns how many touches failed (the cluster was unreachable). */
  public long touchErrors() {
    return touchErrors.sum();
  }

  /** Sends the touches pending now (tests; the flusher does it every 200 ms). */
  public void flush() {
    for (var it = pendingTouches.entrySet().iterator(); it.hasNext(); ) {
      Map.Entry<Key, Touch> e = it.next();
      it.remove();
      Touch t = e.getValue();
      cache
          .replaceAsync(
              e.getKey().bytes(), t.record(), t.record(), t.ttlMillis(), TimeUnit.MILLISECONDS)
          .whenComplete(
              (ok, error) -> {
                if (error != null) {
                  touchErrors.increment();
                  failed("touch", error);
                } else {
                  touchesSent.increment();
                }
              });
    }
  }

  private void flushLoop() {
    while (!closed) {
      try {
        Thread.sleep(FLUSH_MILLIS);
        flush();
      } catch (InterruptedException e) {
        return;
      } catch (RuntimeException e) {
        failed("touches", e);
      }
    }
  }

  private void failed(String what, @Nullable Throwable e) {
    if (e == null || closed) {
      return;
    }
    if (warnings.tryAcquire()) {
      LOG.log(System.Logger.Level.WARNING, "cluster " + what + " failed: " + e);
    }
  }

  @Override
  public void close() {
    closed = true;
    flusher.interrupt();
  }
}
