package io.pe4j.cli;

import io.pe4j.forwarder.Forwarder;
import io.pe4j.forwarder.SystemdNotifier;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * What {@code pe4j forward} tells systemd ({@code Type=notify}): {@code READY=1} once every socket
 * is bound and the warm-up is done, {@code RELOADING=1} and {@code READY=1} around a reload, {@code
 * STOPPING=1} when it starts to stop, a {@code STATUS=} line with each, and {@code WATCHDOG=1}
 * every half {@code WatchdogSec} while every event loop answers (a stuck loop stops the pings and
 * systemd restarts the service). Nothing without {@code NOTIFY_SOCKET}.
 */
final class ServiceManager implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.cli");

  private final SystemdNotifier notifier;
  private @Nullable ScheduledExecutorService watchdog;

  ServiceManager(Map<String, String> env) {
    this.notifier = SystemdNotifier.fromEnvironment(env);
  }

  void status(String status) {
    notifier.notify("STATUS=" + status);
  }

  /** Ready: the sockets are bound, the warm-up is done; starts the watchdog if systemd asks. */
  void ready(String status, Forwarder forwarder) {
    notifier.notify("READY=1\nSTATUS=" + status + "\nMAINPID=" + ProcessHandle.current().pid());
    Duration interval = notifier.watchdog();
    if (interval != null && watchdog == null) {
      ScheduledExecutorService w =
          Executors.newSingleThreadScheduledExecutor(
              r -> {
                Thread t = new Thread(r, "pe4j-watchdog");
                t.setDaemon(true);
                return t;
              });
      long every = Math.max(1_000_000, interval.toNanos() / 2);
      w.scheduleAtFixedRate(() -> ping(forwarder, every / 2), 0, every, TimeUnit.NANOSECONDS);
      watchdog = w;
    }
  }

  private void ping(Forwarder forwarder, long waitNanos) {
    try {
      forwarder.heartbeat().get(waitNanos, TimeUnit.NANOSECONDS);
      notifier.notify("WATCHDOG=1");
    } catch (TimeoutException e) {
      LOG.log(
          System.Logger.Level.WARNING,
          "watchdog: an event loop did not answer within "
              + waitNanos / 1_000_000
              + " ms: no ping (systemd restarts the service if it stays so)");
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    } catch (java.util.concurrent.ExecutionException e) {
      LOG.log(System.Logger.Level.WARNING, "watchdog: the event loops are shut down: no ping");
    }
  }

  /** Runs a reload between {@code RELOADING=1} and {@code READY=1}; returns what it printed. */
  String reload(Supplier<String> reload) {
    // MONOTONIC_USEC: CLOCK_MONOTONIC, which System.nanoTime reads on Linux (systemd 253's
    // Type=notify-reload wants it with RELOADING=1)
    notifier.notify("RELOADING=1\nSTATUS=reloading\nMONOTONIC_USEC=" + System.nanoTime() / 1000);
    String outcome = "";
    try {
      outcome = reload.get();
      return outcome;
    } finally {
      String first = outcome.lines().findFirst().orElse("reload refused");
      notifier.notify("READY=1\nSTATUS=" + first);
    }
  }

  /** Stopping: draining, then exiting. */
  void stopping(String status) {
    ScheduledExecutorService w = watchdog;
    if (w != null) {
      w.shutdownNow();
    }
    notifier.notify("STOPPING=1\nSTATUS=" + status);
  }

  @Override
  public void close() {
    ScheduledExecutorService w = watchdog;
    if (w != null) {
      w.shutdownNow();
    }
    notifier.close();
  }
}
