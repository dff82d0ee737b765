package io.pe4j.cluster;

import com.hazelcast.core.EntryEvent;
import com.hazelcast.map.IMap;
import com.hazelcast.map.listener.EntryMergedListener;
import com.hazelcast.map.listener.EntryRemovedListener;
import io.pe4j.core.SharedTemplates;
import java.util.Arrays;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The shared template table on a Hazelcast {@link IMap} of byte arrays: keys and records are the
 * core's own compact encoding (IPVS sync entries), stored as Hazelcast's byte-array type, so no
 * Java serialization is involved. Creation is {@code putIfAbsent} (atomic on the key's partition);
 * touches are batched and sent by a thread of their own at most every 200 ms, never on the
 * datagram's thread; removals are sent asynchronously.
 */
public final class HazelcastTemplates implements SharedTemplates, AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.cluster");
  private static final long FLUSH_MILLIS = 200;

  private final IMap<byte[], byte[]> map;
  private final Map<Key, Long> pendingTouches = new ConcurrentHashMap<>();
  private final LongAdder touchesSent = new LongAdder();
  private final LongAdder touchErrors = new LongAdder();
  private final Thread flusher;
  private volatile boolean closed;
  private @Nullable UUID listener;

  /** A key compared by its bytes. */
  private static final class Key {
    private final byte[] bytes;

    Key(byte[] bytes) {
      this.bytes = bytes;
    }

    byte[] bytes() {
      return bytes;
    }

    @Override
    public boolean equals(@Nullable Object o) {
      return o instanceof Key k && Arrays.equals(bytes, k.bytes);
    }

    @Override
    public int hashCode() {
      return Arrays.hashCode(bytes);
    }
  }

  HazelcastTemplates(IMap<byte[], byte[]> map) {
    this.map = map;
    this.flusher = new Thread(this::flushLoop, "pe4j-cluster-touch");
    flusher.setDaemon(true);
    flusher.start();
  }

  @Override
  public byte @Nullable [] get(byte[] key) {
    return map.get(key);
  }

  @Override
  public byte[] putIfAbsent(byte[] key, byte[] record, long ttlMillis) {
    byte[] previous = map.putIfAbsent(key, record, ttlMillis, TimeUnit.MILLISECONDS);
    return previous != null ? previous : record;
  }

  @Override
  public void touch(byte[] key, long ttlMillis) {
    pendingTouches.merge(new Key(key), ttlMillis, Math::max);
  }

  @Override
  public void remove(byte[] key) {
    pendingTouches.remove(new Key(key));
    var unused = map.removeAsync(key);
  }

  @Override
  public void forEach(Consumer<byte[]> action) {
    for (byte[] record : map.values()) {
      action.accept(record);
    }
  }

  @Override
  public synchronized void onRemoved(Consumer<byte[]> removed) {
    listener =
        map.addEntryListener(
            // every removal, this member's own included: the event names the partition's owner,
            // not the member that asked, and dropping a local copy already gone does nothing
            new Listener(removed), false);
  }

  /**
   * Removals, and merges after a split brain: a merged key's local copies are dropped too, so that
   * the next datagram reads the record the merge kept.
   */
  private static final class Listener
      implements EntryRemovedListener<byte[], byte[]>, EntryMergedListener<byte[], byte[]> {
    private final Consumer<byte[]> removed;

    Listener(Consumer<byte[]> removed) {
      this.removed = removed;
    }

    @Override
    public void entryRemoved(EntryEvent<byte[], byte[]> event) {
      removed.accept(event.getKey());
    }

    @Override
    public void entryMerged(EntryEvent<byte[], byte[]> event) {
      removed.accept(event.getKey());
    }
  }

  /** Returns the number of templates in the cluster. */
  public int size() {
    return map.size();
  }

  /** Returns the heap this member's own entries take, in bytes (Hazelcast's estimate). */
  public long ownedEntryMemoryCost() {
    return map.getLocalMapStats().getOwnedEntryMemoryCost();
  }

  /** Returns the number of entries this member owns (not its backups). */
  public long ownedEntryCount() {
    return map.getLocalMapStats().getOwnedEntryCount();
  }

  /** Returns how many touches were sent to the cluster, and how many failed. */
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
      Map.Entry<Key, Long> touch = it.next();
      it.remove();
      try {
        map.setTtl(touch.getKey().bytes(), touch.getValue(), TimeUnit.MILLISECONDS);
        touchesSent.increment();
      } catch (RuntimeException e) {
        touchErrors.increment();
        LOG.log(System.Logger.Level.WARNING, "cluster touch failed: " + e);
      }
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
        LOG.log(System.Logger.Level.WARNING, "cluster touches: " + e);
      }
    }
  }

  @Override
  public synchronized void close() {
    closed = true;
    flusher.interrupt();
    UUID l = listener;
    if (l != null) {
      try {
        map.removeEntryListener(l);
      } catch (RuntimeException e) {
        // the member is already gone
      }
    }
  }
}
