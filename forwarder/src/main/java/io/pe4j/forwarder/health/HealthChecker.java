package io.pe4j.forwarder.health;

import io.pe4j.core.Destination;
import io.pe4j.core.DestinationSpec;
import io.pe4j.core.Ipvs;
import io.pe4j.core.VirtualService;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Runs {@link HealthCheck}s against the real servers of an {@link Ipvs}, taking a failed server out
 * (weight 0, or removed) and bringing it back with its weight when it recovers. Every transition is
 * logged and counted; every check's outcome is counted, ICMP port-unreachable apart. Usable by any
 * host of the core; {@code pe4j forward} runs one for the {@code check} lines of its rules.
 */
public final class HealthChecker implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder.health");

  private final Ipvs ipvs;
  private final ScheduledExecutorService timer;
  private final Map<String, Probe> probes = new ConcurrentHashMap<>();
  private final AtomicInteger sequence = new AtomicInteger();

  /** Creates a checker for {@code ipvs}, with two threads of its own. */
  public HealthChecker(Ipvs ipvs) {
    this.ipvs = ipvs;
    this.timer =
        Executors.newScheduledThreadPool(
            2,
            r -> {
              Thread t = new Thread(r, "pe4j-health");
              t.setDaemon(true);
              return t;
            });
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
   */
  public record Status(
      HealthCheck check,
      State state,
      long successes,
      long failures,
      long icmpUnreachable,
      long wentDown,
      long cameUp,
      String lastProblem) {}

  private static String id(HealthCheck c) {
    return c.serviceText() + " " + c.serverText();
  }

  /** Adds a check, or replaces the check of the same server of the same service. */
  public void add(HealthCheck check) {
    Probe fresh = new Probe(check);
    Probe old = probes.put(id(check), fresh);
    if (old != null) {
      old.cancel();
      fresh.inherit(old);
    }
    fresh.future =
        timer.scheduleAtFixedRate( // a check every interval, as the dispatcher pings
            fresh::runSafely, 0, check.intervalMillis(), TimeUnit.MILLISECONDS);
  }

  /** Removes the check of that server (which stays as it is); returns whether there was one. */
  public boolean remove(String serviceText, String serverText) {
    Probe p = probes.remove(serviceText + " " + serverText);
    if (p != null) {
      p.cancel();
    }
    return p != null;
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
    for (Status s : status()) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%s  %s  ok %d  failed %d  icmp-unreachable %d  down %d  up %d%s%n",
              s.check().toLine(),
              s.state(),
              s.successes(),
              s.failures(),
              s.icmpUnreachable(),
              s.wentDown(),
              s.cameUp(),
              s.lastProblem().isEmpty() ? "" : "  last: " + s.lastProblem()));
    }
    return sb.toString();
  }

  @Override
  public void close() {
    timer.shutdownNow();
  }

  /** One server's check and its state; runs on the timer's threads, one run at a time. */
  private final class Probe {
    final HealthCheck check;
    volatile @Nullable ScheduledFuture<?> future;
    volatile State state = State.UP;
    int consecutiveOk;
    int consecutiveFailed;
    final AtomicLong successes = new AtomicLong();
    final AtomicLong failures = new AtomicLong();
    final AtomicLong icmp = new AtomicLong();
    final AtomicLong wentDown = new AtomicLong();
    final AtomicLong cameUp = new AtomicLong();
    volatile String lastProblem = "";

    /** The server as it was before it was taken out, to restore. */
    @Nullable DestinationSpec saved;

    Probe(HealthCheck check) {
      this.check = check;
    }

    void inherit(Probe old) {
      synchronized (old) {
        state = old.state;
        saved = old.saved;
      }
    }

    void cancel() {
      ScheduledFuture<?> f = future;
      if (f != null) {
        f.cancel(false);
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
          lastProblem);
    }

    void runSafely() {
      try {
        run();
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, id(check) + ": check failed to run: " + e);
      }
    }

    synchronized void run() {
      int weight = -1;
      String problem;
      try {
        Outcome o = probe();
        problem = o.problem;
        weight = o.weight;
      } catch (PortUnreachableException e) {
        icmp.incrementAndGet();
        problem = "ICMP port unreachable";
      } catch (SocketTimeoutException e) {
        problem = "no reply within " + check.timeoutMillis() + " ms";
      } catch (IOException e) {
        problem = e.getClass().getSimpleName() + ": " + e.getMessage();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        return;
      }
      if (problem == null) {
        successes.incrementAndGet();
        consecutiveFailed = 0;
        consecutiveOk++;
        if (state == State.DOWN && consecutiveOk >= check.rise()) {
          up(weight);
        } else if (state == State.UP && weight >= 0) {
          setWeight(weight); // misc dynamic: the command sets the weight
        }
      } else {
        failures.incrementAndGet();
        lastProblem = problem;
        consecutiveOk = 0;
        consecutiveFailed++;
        if (state == State.UP && consecutiveFailed >= check.fall()) {
          down(problem);
        }
      }
    }

    private @Nullable VirtualService service() {
      return ipvs.service(check.protocol(), check.vip(), check.vport(), 0);
    }

    private @Nullable Destination destination(VirtualService svc) {
      for (Destination d : svc.destinations()) {
        if (d.address().equals(check.server()) && d.port() == check.port()) {
          return d;
        }
      }
      return null;
    }

    private void down(String problem) {
      VirtualService svc = service();
      Destination d = svc == null ? null : destination(svc);
      state = State.DOWN;
      wentDown.incrementAndGet();
      if (svc == null || d == null) {
        LOG.log(System.Logger.Level.WARNING, id(check) + ": down (" + problem + "), not listed");
        return;
      }
      saved = spec(d, d.weight());
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
      DestinationSpec restored = weight >= 0 ? s.withWeight(weight) : s;
      Destination d = destination(svc);
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
      Destination d = svc == null ? null : destination(svc);
      if (svc != null && d != null && d.weight() != weight) {
        ipvs.control().editDestination(svc, spec(d, weight));
      }
    }

    private static DestinationSpec spec(Destination d, int weight) {
      return new DestinationSpec(
          d.address(), d.port(), d.method(), weight, d.upperThreshold(), d.lowerThreshold());
    }

    private record Outcome(@Nullable String problem, int weight) {}

    private Outcome probe() throws IOException, InterruptedException {
      return switch (check.type()) {
        case SIP_OPTIONS -> sipOptions();
        case UDP -> udp();
        case MISC -> misc();
      };
    }

    private Outcome sipOptions() throws IOException {
      int n = sequence.incrementAndGet();
      try (DatagramSocket s = connected()) {
        String local = s.getLocalAddress().getHostAddress() + ":" + s.getLocalPort();
        String target = check.serverText();
        String callId = "pe4j-health-" + n + "-" + Long.toHexString(System.nanoTime());
        String options =
            "OPTIONS sip:"
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
                + callId
                + "\r\n"
                + "CSeq: 1 OPTIONS\r\n"
                + "Content-Length: 0\r\n\r\n";
        byte[] b = options.getBytes(StandardCharsets.US_ASCII);
        s.send(new DatagramPacket(b, b.length));
        long deadline = System.nanoTime() + check.timeoutMillis() * 1_000_000L;
        byte[] buf = new byte[65_536];
        while (true) {
          long left = (deadline - System.nanoTime()) / 1_000_000L;
          if (left <= 0) {
            throw new SocketTimeoutException();
          }
          s.setSoTimeout((int) Math.max(1, left));
          DatagramPacket p = new DatagramPacket(buf, buf.length);
          s.receive(p);
          String reply = new String(buf, 0, p.getLength(), StandardCharsets.ISO_8859_1);
          if (!reply.startsWith("SIP/2.0 ") || !reply.contains(callId) || reply.length() < 11) {
            continue; // not ours
          }
          int code;
          try {
            code = Integer.parseInt(reply.substring(8, 11));
          } catch (NumberFormatException e) {
            continue;
          }
          if (code < 200) {
            continue; // provisional: wait for the final reply
          }
          return new Outcome(check.accepts(code) ? null : "replied " + code, -1);
        }
      }
    }

    private Outcome udp() throws IOException {
      try (DatagramSocket s = connected()) {
        byte[] send = check.send().getBytes(StandardCharsets.ISO_8859_1);
        s.send(new DatagramPacket(send, send.length));
        s.setSoTimeout((int) Math.max(1, check.timeoutMillis()));
        byte[] buf = new byte[65_536];
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        try {
          s.receive(p);
        } catch (SocketTimeoutException e) {
          if (check.replyOptional()) {
            return new Outcome(null, -1); // no ICMP error within the timeout: up
          }
          throw e;
        }
        byte[] expect = check.expect().getBytes(StandardCharsets.ISO_8859_1);
        boolean ok =
            p.getLength() >= expect.length
                && Arrays.equals(buf, 0, expect.length, expect, 0, expect.length);
        return new Outcome(ok ? null : "unexpected reply", -1);
      }
    }

    private Outcome misc() throws IOException, InterruptedException {
      Process p =
          new ProcessBuilder(check.command())
              .redirectErrorStream(true)
              .redirectOutput(ProcessBuilder.Redirect.DISCARD)
              .start();
      if (!p.waitFor(check.timeoutMillis(), TimeUnit.MILLISECONDS)) {
        p.destroyForcibly();
        return new Outcome("command timed out after " + check.timeoutMillis() + " ms", -1);
      }
      int code = p.exitValue();
      if (code == 0) {
        return new Outcome(null, -1);
      }
      if (code == 1 || !check.dynamic()) {
        return new Outcome("command exited " + code, -1);
      }
      return new Outcome(null, code - 2); // misc_dynamic: 2..255 sets the weight
    }

    /** A socket connected to the server, so that an ICMP port-unreachable is reported. */
    private DatagramSocket connected() throws IOException {
      DatagramSocket s = new DatagramSocket();
      s.connect(new InetSocketAddress(check.server().toInetAddress(), check.port()));
      return s;
    }
  }
}
