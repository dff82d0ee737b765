package io.pe4j.forwarder.health;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.pe4j.core.Destination;
import io.pe4j.core.Ipvs;
import io.pe4j.core.VirtualService;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@link HealthCheck}s against the real servers of an {@link Ipvs}, taking a failed server out
 * (weight 0, or removed) and bringing it back when it recovers. Every transition is logged and
 * counted; every check's outcome is counted, ICMP port-unreachable apart. Usable by any host of the
 * core; {@code pe4j forward} runs one for the {@code check} lines of its rules.
 *
 * <p><b>Every check keeps its schedule, whatever other servers do.</b> One thread ({@code
 * pe4j-health}) owns every check: it sends UDP and SIP OPTIONS probes from a connected,
 * non-blocking socket per check (so that an ICMP port-unreachable is reported), waits for all
 * replies on one selector and times each probe out on its own. A silent server costs its own
 * timeout and nothing else. MISC commands run on a bounded pool of their own ({@value
 * #MISC_THREADS} threads, {@value #MISC_QUEUE} waiting), each with its timeout. A check whose
 * previous probe has not ended when its next is due (a slow command), or whose time passed while
 * the thread was busy, skips that turn — counted, never queued, so that no burst of late probes
 * follows a stall. {@code check -L} shows each check's last probe, its outcome and the interval
 * measured between its last two probes.
 *
 * <p><b>The operator wins.</b> The checker only takes a server out and puts it back as it was:
 * while a server is down, a weight the operator sets ({@code -e -w}) is the weight it returns with
 * (it stays out meanwhile), and a server the operator deletes ({@code -d}) stays deleted. A check
 * replaced by another of the same server keeps its state and counters.
 */
public final class HealthChecker implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder.health");

  static final int MISC_THREADS = 4;
  static final int MISC_QUEUE = 64;
  private static final int MAX_REPLY = 65_536;

  final Ipvs ipvs;
  final Selector selector;
  private final Thread loop;
  final ThreadPoolExecutor misc;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Map<String, Probe> probes = new ConcurrentHashMap<>();
  final AtomicInteger sequence = new AtomicInteger();
  final ByteBuffer reply = ByteBuffer.allocateDirect(MAX_REPLY);
  private volatile boolean closed;
  private final java.util.function.Consumer<io.pe4j.core.ConfigChange> onChange =
      change -> {
        if (!change.serversChanged().isEmpty() || !change.removed().isEmpty()) {
          configurationChanged();
        }
      };

  /** Creates a checker for {@code ipvs}: a thread of its own, and a pool for MISC commands. */
  public HealthChecker(Ipvs ipvs) {
    this.ipvs = ipvs;
    try {
      this.selector = Selector.open();
    } catch (IOException e) {
      throw new IllegalStateException(
          "health checks: cannot open a selector: " + e.getMessage(), e);
    }
    this.misc =
        new ThreadPoolExecutor(
            MISC_THREADS,
            MISC_THREADS,
            30,
            TimeUnit.SECONDS,
            new ArrayBlockingQueue<>(MISC_QUEUE),
            new ThreadFactoryBuilder()
                .setNameFormat("pe4j-health-misc-%d")
                .setDaemon(true)
                .build());
    misc.allowCoreThreadTimeOut(true);
    this.loop = new Thread(this::run, "pe4j-health");
    loop.setDaemon(true);
    loop.start();
    ipvs.control().addListener(onChange); // an operator's edit is seen at once, whoever makes it
  }

  /** The state of one server's check. */
  public enum State {
    /** Serving (or not yet failed {@code fall} times). */
    UP,
    /** Taken out: quiesced or removed. */
    DOWN
  }

  /**
   * One check's counters, read at one moment.
   *
   * @param check the check
   * @param state up or down
   * @param successes checks that passed
   * @param failures checks that failed
   * @param icmpUnreachable failures that were an ICMP port-unreachable
   * @param wentDown transitions to down
   * @param cameUp transitions back up
   * @param lastProblem the last failure's reason, empty if none
   * @param skipped turns skipped: the previous probe had not ended, or the turn had passed
   * @param lastProbeNanos {@link System#nanoTime()} of the last probe sent, 0 before the first
   * @param lastResult the last probe's outcome: {@code ok}, the problem, or empty before the first
   * @param measuredIntervalMillis the time between the last two probes, 0 before the second
   */
  public record Status(
      HealthCheck check,
      State state,
      long successes,
      long failures,
      long icmpUnreachable,
      long wentDown,
      long cameUp,
      String lastProblem,
      long skipped,
      long lastProbeNanos,
      String lastResult,
      long measuredIntervalMillis) {}

  static String id(HealthCheck c) {
    return c.serviceText() + " " + c.serverText();
  }

  /**
   * Adds a check, or replaces the check of the same server of the same service (which keeps its
   * state and counters).
   *
   * @throws IllegalArgumentException if the virtual service does not exist, or the server is not in
   *     it (a replaced check's server may be out, removed by that check)
   */
  public void add(HealthCheck check) {
    String id = id(check);
    if (!probes.containsKey(id)) {
      checkTarget(ipvs, check);
    } else if (ipvs.service(check.protocol(), check.vip(), check.vport(), 0) == null) {
      throw new IllegalArgumentException("no virtual service " + check.serviceText());
    }
    Probe fresh = new Probe(this, check);
    Probe old = probes.put(id, fresh);
    if (old != null) {
      fresh.inherit(old); // listed at once with its counters; again on the thread, exactly
    }
    post(
        () -> {
          if (old != null) {
            old.stop();
            fresh.inherit(old);
          }
          fresh.nextProbe = System.nanoTime();
          fresh.scheduled = true;
        });
  }

  /**
   * Checks that {@code check}'s virtual service exists in {@code ipvs} and holds its real server.
   *
   * @throws IllegalArgumentException saying which is missing
   */
  public static void checkTarget(Ipvs ipvs, HealthCheck check) {
    VirtualService svc = ipvs.service(check.protocol(), check.vip(), check.vport(), 0);
    if (svc == null) {
      throw new IllegalArgumentException(
          "no virtual service " + check.serviceText() + ": " + check.toLine());
    }
    if (destination(svc, check) == null) {
      throw new IllegalArgumentException(
          "no real server "
              + check.serverText()
              + " in "
              + check.serviceText()
              + ": "
              + check.toLine());
    }
  }

  /** Removes the check of that server (which stays as it is); returns whether there was one. */
  public boolean remove(String serviceText, String serverText) {
    Probe p = probes.remove(serviceText + " " + serverText);
    if (p != null) {
      post(p::stop);
    }
    return p != null;
  }

  /**
   * Tells the checker that the configuration changed: a down server's weight set or its deletion by
   * the operator is taken into account at once, not at its next probe. The checker listens to the
   * core's configuration itself; a host need not call this.
   */
  public void configurationChanged() {
    post(
        () -> {
          for (Probe p : probes.values()) {
            p.reconcile();
          }
        });
  }

  /** Returns every check's status. */
  public List<Status> status() {
    List<Status> out = new ArrayList<>();
    for (Probe p : probes.values()) {
      out.add(p.status());
    }
    out.sort((a, b) -> id(a.check()).compareTo(id(b.check())));
    return out;
  }

  /** Returns the state of the server's check, or null if it has none. */
  public @Nullable State state(String serviceText, String serverText) {
    Probe p = probes.get(serviceText + " " + serverText);
    return p == null ? null : p.sw.state;
  }

  /**
   * Answers an admin line: {@code check -L} lists the checks, {@code check -u VIP:PORT -r RS:PORT
   * TYPE ...} adds or replaces one, {@code check -d -u VIP:PORT -r RS:PORT} removes one.
   */
  public String answer(String line) {
    String l = line.strip();
    try {
      if (l.equals("check -L") || l.equals("check")) {
        return render();
      }
      if (l.startsWith("check -d ")) {
        HealthCheck c =
            HealthCheck.parse("check " + l.substring("check -d ".length()) + " udp send=x");
        return remove(c.serviceText(), c.serverText()) ? "" : "error: no such check\n";
      }
      add(HealthCheck.parse(l));
      return "";
    } catch (IllegalArgumentException e) {
      return "error: " + e.getMessage() + "\n";
    }
  }

  /** Renders the checks as {@code check -L} prints them. */
  public String render() {
    StringBuilder sb = new StringBuilder();
    long now = System.nanoTime();
    for (Status s : status()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%s  %s  ok %d  failed %d  icmp-unreachable %d  down %d  up %d  skipped %d%s%s%s%n",
              s.check().toLine(),
              s.state(),
              s.successes(),
              s.failures(),
              s.icmpUnreachable(),
              s.wentDown(),
              s.cameUp(),
              s.skipped(),
              s.lastProbeNanos() == 0
                  ? "  not checked yet"
                  : String.format(
                      Locale.ROOT,
                      "  last %.1f s ago: %s",
                      (now - s.lastProbeNanos()) / 1e9,
                      s.lastResult().isEmpty() ? "in flight" : s.lastResult()),
              s.measuredIntervalMillis() == 0
                  ? ""
                  : String.format(
                      Locale.ROOT, "  measured interval %.2f s", s.measuredIntervalMillis() / 1e3),
              s.lastProblem().isEmpty() ? "" : "  last problem: " + s.lastProblem()));
    }
    return sb.toString();
  }

  @Override
  public void close() {
    closed = true;
    ipvs.control().removeListener(onChange);
    selector.wakeup();
    misc.shutdownNow();
    try {
      loop.join(2_000);
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }

  void post(Runnable task) {
    tasks.add(task);
    selector.wakeup();
  }

  /** The checker's thread: probes out, replies in, timeouts, transitions. */
  private void run() {
    try {
      while (!closed) {
        for (Runnable t; (t = tasks.poll()) != null; ) {
          t.run();
        }
        long now = System.nanoTime();
        long wait = 1_000_000_000L;
        for (Probe p : probes.values()) {
          wait = Math.min(wait, p.tick(now) - now);
        }
        long waitMillis = Math.max(1, (wait - (System.nanoTime() - now) + 999_999) / 1_000_000);
        selector.select(waitMillis);
        for (SelectionKey k : selector.selectedKeys()) {
          if (k.attachment() instanceof Probe p) {
            p.readable();
          }
        }
        selector.selectedKeys().clear();
      }
    } catch (IOException | ClosedSelectorException e) {
      if (!closed) {
        LOG.log(System.Logger.Level.ERROR, "health checks stopped: " + e);
      }
    } catch (RuntimeException e) {
      LOG.log(System.Logger.Level.ERROR, "health checks stopped: " + e, e);
    } finally {
      for (Probe p : probes.values()) {
        p.stop();
      }
      try {
        selector.close();
      } catch (IOException e) {
        // closing
      }
    }
  }

  static @Nullable Destination destination(VirtualService svc, HealthCheck check) {
    for (Destination d : svc.destinations()) {
      if (d.address().equals(check.server()) && d.port() == check.port()) {
        return d;
      }
    }
    return null;
  }
}
