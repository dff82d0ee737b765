package io.pe4j.core;

import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The threads a {@link SharedTierStore} talks to the cluster from, and what it counts when the
 * cluster fails: an outbox that sends every call (so that a datagram's thread never enters the
 * shared store's code, whose "asynchronous" call may still block on a socket a frozen peer filled),
 * a timer for waits and rechecks, and the failures, logged at most once a second.
 */
final class ClusterCalls {

  private static final System.Logger LOG = System.getLogger("io.pe4j.core");
  private static final long WARNING_EVERY_NANOS = 1_000_000_000L;

  private final ScheduledThreadPoolExecutor timer;
  private final ExecutorService outbox;
  private final LongAdder errors = new LongAdder();
  private volatile long lastWarning;

  ClusterCalls() {
    this.timer = new ScheduledThreadPoolExecutor(1, daemon("pe4j-cluster-wait"));
    timer.setRemoveOnCancelPolicy(true);
    this.outbox = Executors.newSingleThreadExecutor(daemon("pe4j-cluster-outbox"));
  }

  private static java.util.concurrent.ThreadFactory daemon(String name) {
    return r -> {
      Thread t = new Thread(r, name);
      t.setDaemon(true);
      return t;
    };
  }

  /**
   * Runs {@code work} on the outbox; {@code failed} gets what it throws, or the refusal once
   * closed.
   */
  void send(Runnable work, Consumer<RuntimeException> failed) {
    try {
      outbox.execute(
          () -> {
            try {
              work.run();
            } catch (RuntimeException e) {
              failed.accept(e);
            }
          });
    } catch (RejectedExecutionException e) {
      failed.accept(e); // closed
    }
  }

  /** Runs {@code work} on the timer after {@code delay}. */
  void later(Runnable work, long delay, TimeUnit unit) {
    try {
      timer.schedule(work, delay, unit);
    } catch (RejectedExecutionException closed) {
      // closing: nothing waits any more
    }
  }

  /** Counts a failed cluster call and logs it, at most one line a second. */
  void failed(String what, @Nullable Throwable e) {
    errors.increment();
    long now = System.nanoTime();
    if (now - lastWarning > WARNING_EVERY_NANOS) {
      lastWarning = now;
      LOG.log(
          System.Logger.Level.WARNING,
          "shared template table: "
              + what
              + " failed ("
              + errors.sum()
              + " failures so far; the node decides alone): "
              + e);
    }
  }

  long errors() {
    return errors.sum();
  }

  /** Stops the timer and the outbox. */
  void close() {
    timer.shutdownNow();
    outbox.shutdownNow();
  }
}
