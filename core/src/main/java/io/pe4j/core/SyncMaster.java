package io.pe4j.core;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.LongAdder;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Consumer;

/**
 * The sending side of sync (spec §7), off the datagram's thread, as the kernel's sync daemon is a
 * thread of its own: the datagram path offers entries to a bounded queue (a full queue drops the
 * entry and counts it, as the kernel's sync buffer does), and one daemon thread encodes each in the
 * kernel's wire layout and hands it to the sender.
 */
final class SyncMaster implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.core");

  /** Entries waiting at most. */
  static final int QUEUE = 65_536;

  final int syncId;
  final int version;
  private final Consumer<byte[]> sender;
  private final LongAdder errors;
  private final LongAdder dropped;
  private final ArrayBlockingQueue<Sync.Entry> queue = new ArrayBlockingQueue<>(QUEUE);
  private final AtomicLong offered = new AtomicLong();
  private final AtomicLong done = new AtomicLong();
  private final Thread thread;
  private volatile boolean running = true;

  SyncMaster(
      int syncId, int version, Consumer<byte[]> sender, LongAdder errors, LongAdder dropped) {
    this.syncId = syncId;
    this.version = version;
    this.sender = sender;
    this.errors = errors;
    this.dropped = dropped;
    this.thread = new Thread(this::run, "pe4j-sync-master");
    this.thread.setDaemon(true);
    this.thread.start();
  }

  /** Queues an entry without blocking; drops and counts it when the queue is full. */
  void offer(Sync.Entry e) {
    if (version == 0 && e.ipv6) {
      return; // version 0 is IPv4-only
    }
    offered.incrementAndGet();
    if (!queue.offer(e)) {
      dropped.increment();
      done.incrementAndGet();
    }
  }

  private void run() {
    while (running) {
      Sync.Entry e;
      try {
        e = queue.poll(100, TimeUnit.MILLISECONDS);
      } catch (InterruptedException ie) {
        return;
      }
      if (e == null) {
        continue;
      }
      try {
        sender.accept(version == 1 ? Sync.encodeV1(syncId, e) : Sync.encodeV0(syncId, e));
      } catch (RuntimeException ex) {
        errors.increment();
        LOG.log(System.Logger.Level.WARNING, "sync sender failed", ex);
      } finally {
        done.incrementAndGet();
      }
    }
  }

  /** Waits (up to 10 s) until every entry offered so far was sent or dropped. */
  void flush() {
    long target = offered.get();
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
    while (done.get() < target && System.nanoTime() < deadline && thread.isAlive()) {
      LockSupport.parkNanos(50_000);
    }
  }

  /** Stops the thread; entries still queued are dropped. */
  @Override
  public void close() {
    running = false;
    thread.interrupt();
  }
}
