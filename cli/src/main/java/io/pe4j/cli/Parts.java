package io.pe4j.cli;

import com.google.common.util.concurrent.AbstractIdleService;
import com.google.common.util.concurrent.Service;
import com.google.common.util.concurrent.ServiceManager;
import java.time.Duration;
import java.util.ArrayDeque;
import java.util.Deque;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.TimeoutException;
import org.jspecify.annotations.Nullable;

/**
 * The parts of a running {@code pe4j forward}, as Guava services: the one place that says in which
 * order they start and stop and what a part that fails does to the others.
 *
 * <p><b>Order.</b> Parts start in stages, each stage once the one before it is running (a stage's
 * parts start together, on a {@link ServiceManager}): {@code forward} uses
 *
 * <ol>
 *   <li>the cluster member (the director's template store needs it),
 *   <li>the forwarder's sockets and event loops,
 *   <li>the health checker,
 *   <li>the admin endpoint and the metrics endpoint (both read the checker).
 * </ol>
 *
 * A drain runs while every part still runs (the admin endpoint and metrics show it). Then {@link
 * #close} stops the stages in the reverse order: endpoints, checker, sockets, cluster member last
 * (a draining node's templates stay shared until its sockets are closed).
 *
 * <p><b>Failure.</b> A part that fails to start stops the parts already started (this stage's and
 * the earlier stages', in reverse) and {@link #start} throws {@link PartFailed} naming it: {@code
 * forward} prints it and exits 2. A part that fails to stop is logged; the others stop anyway.
 */
final class Parts implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.cli");
  private static final Duration START_TIMEOUT = Duration.ofSeconds(60);
  private static final Duration STOP_TIMEOUT = Duration.ofSeconds(10);

  private final Deque<ServiceManager> started = new ArrayDeque<>();

  /** A part that failed to start: {@code what} names it as the operator's option does. */
  static final class PartFailed extends Exception {
    private static final long serialVersionUID = 1L;

    PartFailed(String message, @Nullable Throwable cause) {
      super(message, cause);
    }
  }

  /** One part: how it starts (returning what it runs) and how it stops. */
  static final class Part<T> extends AbstractIdleService {
    private final String what;
    private final Callable<T> start;
    private final Stop<T> stop;
    private volatile @Nullable T running;

    /** How a part stops. */
    interface Stop<T> {
      void stop(T running) throws Exception;
    }

    /**
     * A part named {@code what} in errors ({@code "admin endpoint"}, {@code "--metrics HOST:PORT"};
     * empty when the cause's message names it already).
     */
    Part(String what, Callable<T> start, Stop<T> stop) {
      this.what = what;
      this.start = start;
      this.stop = stop;
    }

    @Override
    protected void startUp() throws Exception {
      running = start.call();
    }

    @Override
    protected void shutDown() throws Exception {
      T r = running;
      if (r != null) {
        stop.stop(r);
      }
    }

    /** Returns what the part runs; only once started. */
    T get() {
      return Objects.requireNonNull(running, "not started: " + what);
    }

    @Override
    protected String serviceName() {
      return what.isEmpty() ? "forwarder" : what;
    }

    String describe(Throwable cause) {
      String message = cause.getMessage() != null ? cause.getMessage() : cause.toString();
      return what.isEmpty() ? message : what + ": " + message;
    }
  }

  /**
   * Starts the next stage: {@code parts} together, after every earlier stage is running.
   *
   * @throws PartFailed naming the first part of the stage that failed, every part stopped then
   */
  void start(Part<?>... parts) throws PartFailed {
    ServiceManager stage = new ServiceManager(List.of(parts));
    stage.startAsync();
    try {
      stage.awaitHealthy(START_TIMEOUT);
      started.push(stage);
      return;
    } catch (IllegalStateException | TimeoutException e) {
      // said below, after the parts are stopped
    }
    PartFailed failed = null;
    for (Part<?> p : parts) {
      if (p.state() == Service.State.FAILED) {
        failed = new PartFailed(p.describe(p.failureCause()), p.failureCause());
        break;
      }
    }
    if (failed == null) {
      failed =
          new PartFailed("a part did not start within " + START_TIMEOUT.toSeconds() + " s", null);
    }
    stop(stage, false);
    close();
    throw failed;
  }

  /** Stops every started stage, the last started first. */
  @Override
  public void close() {
    while (!started.isEmpty()) {
      stop(started.pop(), true);
    }
  }

  private static void stop(ServiceManager stage, boolean sayFailures) {
    stage.stopAsync();
    try {
      stage.awaitStopped(STOP_TIMEOUT);
    } catch (TimeoutException e) {
      LOG.log(System.Logger.Level.WARNING, "parts still stopping after 10 s: " + stage);
    }
    for (Service s :
        sayFailures ? stage.servicesByState().get(Service.State.FAILED) : List.<Service>of()) {
      LOG.log(System.Logger.Level.WARNING, s + " failed to stop: " + s.failureCause());
    }
  }
}
