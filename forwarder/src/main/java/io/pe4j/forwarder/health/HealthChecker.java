package io.pe4j.forwarder.health;

import com.google.common.util.concurrent.ThreadFactoryBuilder;
import io.pe4j.core.Destination;
import io.pe4j.core.DestinationSpec;
import io.pe4j.core.Ipvs;
import io.pe4j.core.VirtualService;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.ClosedSelectorException;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
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

  private final Ipvs ipvs;
  private final Selector selector;
  private final Thread loop;
  private final ThreadPoolExecutor misc;
  private final ConcurrentLinkedQueue<Runnable> tasks = new ConcurrentLinkedQueue<>();
  private final Map<String, Probe> probes = new ConcurrentHashMap<>();
  private final AtomicInteger sequence = new AtomicInteger();
  private final ByteBuffer reply = ByteBuffer.allocateDirect(MAX_REPLY);
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

  private static String id(HealthCheck c) {
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
    Probe fresh = new Probe(check);
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
    return p == null ? null : p.state;
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

  private void post(Runnable task) {
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

  private static @Nullable Destination destination(VirtualService svc, HealthCheck check) {
    for (Destination d : svc.destinations()) {
      if (d.address().equals(check.server()) && d.port() == check.port()) {
        return d;
      }
    }
    return null;
  }

  /**
   * One server's check and its state. Owned by the checker's thread; the counters and the state are
   * read by {@link #status} from any thread.
   */
  private final class Probe {
    final HealthCheck check;
    final long intervalNanos;
    final long timeoutNanos;
    volatile State state = State.UP;
    int consecutiveOk;
    int consecutiveFailed;
    final AtomicLong successes = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong icmp = new AtomicLong();
    final AtomicLong wentDown = new AtomicLong();
    final AtomicLong cameUp = new AtomicLong();
    final AtomicLong skipped = new AtomicLong();
    volatile String lastProblem = "";
    volatile long lastProbeAt;
    volatile String lastResult = "";
    volatile long measuredInterval;

    /** When the next probe is due, once scheduled; when the one in flight times out (0: none). */
    long nextProbe;

    boolean scheduled;

    long deadline;
    @Nullable String callId;
    @Nullable DatagramChannel channel;
    @Nullable SelectionKey key;
    boolean stopped;

    /**
     * The server as it was before it was taken out, to restore: its options, with the weight the
     * operator last set; null while it is up.
     */
    @Nullable DestinationSpec saved;

    /** Whether the operator deleted the server while it was down: it is not added back. */
    boolean deletedByOperator;

    Probe(HealthCheck check) {
      this.check = check;
      this.intervalNanos = check.intervalMillis() * 1_000_000L;
      this.timeoutNanos = check.timeoutMillis() * 1_000_000L;
    }

    /** Takes over a replaced check's state and counters. */
    void inherit(Probe old) {
      state = old.state;
      saved = old.saved;
      deletedByOperator = old.deletedByOperator;
      consecutiveOk = old.consecutiveOk;
      consecutiveFailed = old.consecutiveFailed;
      successes.set(old.successes.get());
      failures.set(old.failures.get());
      icmp.set(old.icmp.get());
      wentDown.set(old.wentDown.get());
      cameUp.set(old.cameUp.get());
      skipped.set(old.skipped.get());
      lastProblem = old.lastProblem;
    }

    void stop() {
      stopped = true;
      deadline = 0;
      closeChannel();
    }

    private void closeChannel() {
      DatagramChannel c = channel;
      channel = null;
      key = null;
      if (c != null) {
        try {
          c.close();
        } catch (IOException e) {
          // closing
        }
      }
    }

    Status status() {
      return new Status(
          check,
          state,
          successes.get(),
          failures.get(),
          icmp.get(),
          wentDown.get(),
          cameUp.get(),
          lastProblem,
          skipped.get(),
          lastProbeAt,
          lastResult,
          measuredInterval);
    }

    /** Times out the probe in flight and sends the next when due; returns its next event. */
    long tick(long now) {
      if (stopped || !scheduled) {
        return now + 1_000_000_000L;
      }
      if (deadline != 0 && now - deadline >= 0) {
        timedOut();
      }
      if (now - nextProbe >= 0) {
        long missed = (now - nextProbe) / intervalNanos; // turns that passed while busy
        nextProbe += (missed + 1) * intervalNanos; // the schedule, never a catch-up burst
        if (missed > 0) {
          skipped.addAndGet(missed);
        }
        if (deadline != 0) {
          skipped.incrementAndGet(); // the previous probe has not ended (a slow command)
        } else {
          send(now);
        }
      }
      return deadline != 0 ? Math.min(deadline, nextProbe) : nextProbe;
    }

    private void send(long now) {
      if (lastProbeAt != 0) {
        measuredInterval = (now - lastProbeAt) / 1_000_000L;
      }
      lastProbeAt = now;
      lastResult = "";
      deadline = now + timeoutNanos;
      if (check.type() == HealthCheck.Type.MISC) {
        runCommand();
        return;
      }
      try {
        DatagramChannel c = channel;
        if (c == null || !c.isOpen()) {
          c = DatagramChannel.open();
          c.configureBlocking(false);
          c.connect(new InetSocketAddress(check.server().toInetAddress(), check.port()));
          key = c.register(selector, SelectionKey.OP_READ, this);
          channel = c;
        }
        drainStale(c);
        c.write(ByteBuffer.wrap(payload(c)));
      } catch (PortUnreachableException e) {
        icmpUnreachable();
      } catch (IOException e) {
        finish(e.getClass().getSimpleName() + ": " + e.getMessage(), -1);
        closeChannel();
      }
    }

    /** Reads away replies that came after their probe timed out. */
    private void drainStale(DatagramChannel c) throws IOException {
      for (int i = 0; i < 64; i++) {
        reply.clear();
        if (c.read(reply) <= 0) {
          return;
        }
      }
    }

    private byte[] payload(DatagramChannel c) throws IOException {
      if (check.type() == HealthCheck.Type.UDP) {
        callId = null;
        return check.send().getBytes(StandardCharsets.ISO_8859_1);
      }
      int n = sequence.incrementAndGet();
      InetSocketAddress me = (InetSocketAddress) c.getLocalAddress();
      String local = me.getAddress().getHostAddress() + ":" + me.getPort();
      String target = check.serverText();
      String id = "pe4j-health-" + n + "-" + Long.toHexString(System.nanoTime());
      callId = id;
      return ("OPTIONS sip:"
              + target
              + " SIP/2.0\r\n"
              + "Via: SIP/2.0/UDP "
              + local
              + ";branch=z9hG4bK-pe4j-"
              + n
              + "\r\n"
              + "Max-Forwards: 70\r\n"
              + "From: <sip:pe4j@"
              + local
              + ">;tag=pe4j"
              + n
              + "\r\n"
              + "To: <sip:"
              + target
              + ">\r\n"
              + "Call-ID: "
              + id
              + "\r\n"
              + "CSeq: 1 OPTIONS\r\n"
              + "Content-Length: 0\r\n\r\n")
          .getBytes(StandardCharsets.US_ASCII);
    }

    /** Replies (or an ICMP error) on this check's socket. */
    void readable() {
      DatagramChannel c = channel;
      if (c == null) {
        return;
      }
      try {
        for (int i = 0; i < 64; i++) {
          reply.clear();
          int n = c.read(reply);
          if (n <= 0) {
            return;
          }
          if (deadline != 0) {
            judge(n);
          }
        }
      } catch (PortUnreachableException e) {
        if (deadline != 0) {
          icmpUnreachable();
        }
      } catch (IOException e) {
        if (deadline != 0) {
          finish(e.getClass().getSimpleName() + ": " + e.getMessage(), -1);
        }
        closeChannel();
      }
    }

    private void judge(int length) {
      byte[] b = new byte[length];
      reply.flip();
      reply.get(b);
      if (check.type() == HealthCheck.Type.UDP) {
        byte[] expect = check.expect().getBytes(StandardCharsets.ISO_8859_1);
        boolean ok =
            length >= expect.length
                && java.util.Arrays.equals(b, 0, expect.length, expect, 0, expect.length);
        finish(ok ? null : "unexpected reply", -1);
        return;
      }
      String text = new String(b, StandardCharsets.ISO_8859_1);
      String id = callId;
      if (id == null || !text.startsWith("SIP/2.0 ") || !text.contains(id) || length < 11) {
        return; // not ours
      }
      int code;
      try {
        code = Integer.parseInt(text.substring(8, 11));
      } catch (NumberFormatException e) {
        return;
      }
      if (code < 200) {
        return; // provisional: wait for the final reply
      }
      finish(check.accepts(code) ? null : "replied " + code, -1);
    }

    private void icmpUnreachable() {
      icmp.incrementAndGet();
      finish("ICMP port unreachable", -1);
    }

    private void timedOut() {
      if (check.type() == HealthCheck.Type.UDP && check.replyOptional()) {
        finish(null, -1); // no ICMP error within the timeout: up
      } else if (check.type() == HealthCheck.Type.MISC) {
        finish("command timed out after " + check.timeoutMillis() + " ms", -1);
      } else {
        finish("no reply within " + check.timeoutMillis() + " ms", -1);
      }
    }

    /** Runs the MISC command on the pool; its outcome comes back to the checker's thread. */
    private void runCommand() {
      long started = deadline;
      try {
        misc.execute(
            () -> {
              String problem;
              int weight = -1;
              Process p = null;
              try {
                p =
                    new ProcessBuilder(check.command())
                        .redirectErrorStream(true)
                        .redirectOutput(ProcessBuilder.Redirect.DISCARD)
                        .start();
                if (!p.waitFor(check.timeoutMillis(), TimeUnit.MILLISECONDS)) {
                  p.destroyForcibly();
                  return; // the checker's timeout says so
                }
                int code = p.exitValue();
                if (code == 0) {
                  problem = null;
                } else if (code == 1 || !check.dynamic()) {
                  problem = "command exited " + code;
                } else {
                  problem = null;
                  weight = code - 2; // misc_dynamic: 2..255 sets the weight
                }
              } catch (IOException e) {
                problem = "cannot run the command: " + e.getMessage();
              } catch (InterruptedException e) {
                if (p != null) {
                  p.destroyForcibly();
                }
                return;
              }
              String pr = problem;
              int w = weight;
              post(
                  () -> {
                    if (deadline == started && !stopped) { // still this probe's turn
                      finish(pr, w);
                    }
                  });
            });
      } catch (RejectedExecutionException e) {
        finish("busy: " + MISC_THREADS + " commands running and " + MISC_QUEUE + " waiting", -1);
      }
    }

    /** Ends the probe in flight: counts it and moves the server in or out as the counts say. */
    private void finish(@Nullable String problem, int weight) {
      deadline = 0;
      if (problem == null) {
        lastResult = "ok";
        successes.incrementAndGet();
        consecutiveFailed = 0;
        consecutiveOk++;
        if (state == State.DOWN && consecutiveOk >= check.rise()) {
          up(weight);
        } else if (state == State.UP && weight >= 0) {
          setWeight(weight); // misc dynamic: the command sets the weight
        }
      } else {
        lastResult = problem;
        failures.incrementAndGet();
        lastProblem = problem;
        consecutiveOk = 0;
        consecutiveFailed++;
        if (state == State.UP && consecutiveFailed >= check.fall()) {
          down(problem);
        }
      }
      reconcile();
    }

    private @Nullable VirtualService service() {
      return ipvs.service(check.protocol(), check.vip(), check.vport(), 0);
    }

    /**
     * While down, reads what the operator did to the server since it was taken out: a weight set is
     * kept for its return (the server stays out), a deletion is final.
     */
    void reconcile() {
      DestinationSpec s = saved;
      if (state != State.DOWN || s == null || stopped) {
        return;
      }
      VirtualService svc = service();
      Destination d = svc == null ? null : destination(svc, check);
      if (svc == null || (d == null && !check.remove())) {
        if (!deletedByOperator) {
          deletedByOperator = true;
          LOG.log(
              System.Logger.Level.INFO,
              id(check) + ": deleted by the operator while down; it will not be added back");
        }
        return;
      }
      if (d != null) {
        deletedByOperator = false;
        if (d.weight() != 0 || check.remove()) { // the operator set a weight, or added it back
          saved = spec(d, d.weight());
          LOG.log(
              System.Logger.Level.INFO,
              id(check)
                  + ": weight "
                  + d.weight()
                  + " set while down: kept for its return; it stays out until then");
          if (check.remove()) {
            ipvs.control().deleteDestination(svc, check.server(), check.port());
          } else {
            ipvs.control().editDestination(svc, spec(d, 0));
          }
        }
      }
    }

    private void down(String problem) {
      VirtualService svc = service();
      Destination d = svc == null ? null : destination(svc, check);
      state = State.DOWN;
      wentDown.incrementAndGet();
      if (svc == null || d == null) {
        LOG.log(System.Logger.Level.WARNING, id(check) + ": down (" + problem + "), not listed");
        return;
      }
      saved = spec(d, d.weight());
      deletedByOperator = false;
      if (check.remove()) {
        ipvs.control().deleteDestination(svc, check.server(), check.port());
      } else {
        ipvs.control().editDestination(svc, spec(d, 0));
      }
      LOG.log(
          System.Logger.Level.WARNING,
          id(check)
              + ": DOWN after "
              + consecutiveFailed
              + " failed checks ("
              + problem
              + "): "
              + (check.remove() ? "removed" : "quiesced (weight 0), its calls drain"));
    }

    private void up(int weight) {
      VirtualService svc = service();
      state = State.UP;
      cameUp.incrementAndGet();
      DestinationSpec s = saved;
      saved = null;
      if (svc == null || s == null) {
        return;
      }
      if (deletedByOperator) {
        deletedByOperator = false;
        LOG.log(
            System.Logger.Level.INFO,
            id(check) + ": UP, but the operator deleted it while down: not added back");
        return;
      }
      DestinationSpec restored = weight >= 0 ? s.withWeight(weight) : s;
      Destination d = destination(svc, check);
      if (d == null) {
        ipvs.control().addDestination(svc, restored);
      } else {
        ipvs.control().editDestination(svc, restored);
      }
      LOG.log(
          System.Logger.Level.INFO,
          id(check) + ": UP after " + consecutiveOk + " good checks, weight " + restored.weight());
    }

    private void setWeight(int weight) {
      VirtualService svc = service();
      Destination d = svc == null ? null : destination(svc, check);
      if (svc != null && d != null && d.weight() != weight) {
        ipvs.control().editDestination(svc, spec(d, weight));
      }
    }

    private static DestinationSpec spec(Destination d, int weight) {
      return new DestinationSpec(
          d.address(), d.port(), d.method(), weight, d.upperThreshold(), d.lowerThreshold());
    }
  }
}
