package io.pe4j.forwarder.health;

import io.pe4j.forwarder.health.HealthChecker.State;
import io.pe4j.forwarder.health.HealthChecker.Status;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.PortUnreachableException;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One server's check and its state. Owned by the checker's thread; the counters and the state are
 * read by {@link HealthChecker#status} from any thread.
 */
final class Probe {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder.health");
  final HealthCheck check;
  final long intervalNanos;
  final long timeoutNanos;
  int consecutiveOk;
  int consecutiveFailed;
  final AtomicLong successes = new AtomicLong();
  final AtomicLong failures = new AtomicLong();
  final AtomicLong icmp = new AtomicLong();
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

  private final HealthChecker owner;

  /** The server in or out of the core, as this check's results and the operator have it. */
  final ServerSwitch sw;

  Probe(HealthChecker owner, HealthCheck check) {
    this.owner = owner;
    this.sw = new ServerSwitch(owner.ipvs, check);
    this.check = check;
    this.intervalNanos = check.intervalMillis() * 1_000_000L;
    this.timeoutNanos = check.timeoutMillis() * 1_000_000L;
  }

  /** Takes over a replaced check's state and counters. */
  void inherit(Probe old) {
    sw.inherit(old.sw);
    consecutiveOk = old.consecutiveOk;
    consecutiveFailed = old.consecutiveFailed;
    successes.set(old.successes.get());
    failures.set(old.failures.get());
    icmp.set(old.icmp.get());
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
        sw.state,
        successes.get(),
        failures.get(),
        icmp.get(),
        sw.wentDown.get(),
        sw.cameUp.get(),
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
        key = c.register(owner.selector, SelectionKey.OP_READ, this);
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
      owner.reply.clear();
      if (c.read(owner.reply) <= 0) {
        return;
      }
    }
  }

  private byte[] payload(DatagramChannel c) throws IOException {
    if (check.type() == HealthCheck.Type.UDP) {
      callId = null;
      return check.send().getBytes(StandardCharsets.ISO_8859_1);
    }
    int n = owner.sequence.incrementAndGet();
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
        owner.reply.clear();
        int n = c.read(owner.reply);
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
    owner.reply.flip();
    owner.reply.get(b);
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
      owner.misc.execute(
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
            owner.post(
                () -> {
                  if (deadline == started && !stopped) { // still this probe's turn
                    finish(pr, w);
                  }
                });
          });
    } catch (RejectedExecutionException e) {
      finish(
          "busy: "
              + HealthChecker.MISC_THREADS
              + " commands running and "
              + HealthChecker.MISC_QUEUE
              + " waiting",
          -1);
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
      if (sw.state == State.DOWN && consecutiveOk >= check.rise()) {
        sw.up(weight, consecutiveOk);
      } else if (sw.state == State.UP && weight >= 0) {
        sw.setWeight(weight); // misc dynamic: the command sets the weight
      }
    } else {
      lastResult = problem;
      failures.incrementAndGet();
      lastProblem = problem;
      consecutiveOk = 0;
      consecutiveFailed++;
      if (sw.state == State.UP && consecutiveFailed >= check.fall()) {
        sw.down(problem, consecutiveFailed);
      }
    }
    reconcile();
  }

  /** While down: takes in what the operator did to the server (see {@link ServerSwitch}). */
  void reconcile() {
    if (!stopped) {
      sw.reconcile();
    }
  }
}
