package io.pe4j.forwarder;

import io.netty.channel.EventLoopGroup;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The service manager's notification protocol ({@code sd_notify(3)}): state lines such as {@code
 * READY=1}, {@code RELOADING=1}, {@code STOPPING=1}, {@code WATCHDOG=1} and {@code STATUS=...} sent
 * as one datagram to the Unix socket named by {@code NOTIFY_SOCKET}. Without that variable (not
 * started by systemd with {@code Type=notify}) it sends nothing. It needs the epoll transport (the
 * JDK has no Unix datagram socket); without it, it says so once and sends nothing.
 */
public final class SystemdNotifier implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder");

  private final @Nullable String socket;
  private final @Nullable Duration watchdog;
  private final @Nullable EventLoopGroup group;
  private final LongAdder failures = new LongAdder();
  private volatile boolean warned;

  private SystemdNotifier(
      @Nullable String socket, @Nullable Duration watchdog, @Nullable EventLoopGroup group) {
    this.socket = socket;
    this.watchdog = watchdog;
    this.group = group;
  }

  /**
   * Reads {@code NOTIFY_SOCKET}, {@code WATCHDOG_USEC} and {@code WATCHDOG_PID} from {@code env} (a
   * watchdog meant for another process is not this one's).
   */
  public static SystemdNotifier fromEnvironment(Map<String, String> env) {
    String socket = env.get("NOTIFY_SOCKET");
    if (socket == null || socket.isEmpty()) {
      return new SystemdNotifier(null, null, null);
    }
    Duration watchdog = null;
    String usec = env.get("WATCHDOG_USEC");
    String pid = env.get("WATCHDOG_PID");
    if (usec != null && (pid == null || pid.equals(Long.toString(ProcessHandle.current().pid())))) {
      try {
        long u = Long.parseLong(usec.strip());
        watchdog = u > 0 ? Duration.ofNanos(u * 1000) : null;
      } catch (NumberFormatException e) {
        LOG.log(System.Logger.Level.WARNING, "WATCHDOG_USEC is not a number: " + usec);
      }
    }
    if (!EpollTransport.isAvailable()) {
      LOG.log(
          System.Logger.Level.WARNING,
          "NOTIFY_SOCKET is set but the epoll transport is not available ("
              + EpollTransport.unavailability()
              + "): no notification is sent to the service manager");
      return new SystemdNotifier(null, null, null);
    }
    return new SystemdNotifier(socket, watchdog, new EpollTransport().newGroup(1));
  }

  /** Whether a service manager listens (notifications are sent). */
  public boolean isActive() {
    return socket != null;
  }

  /** The watchdog interval the service manager expects pings within, or null for none. */
  public @Nullable Duration watchdog() {
    return watchdog;
  }

  /** The notifications that could not be sent. */
  public long failures() {
    return failures.sum();
  }

  /**
   * Sends state lines, such as {@code "READY=1\nSTATUS=forwarding"}. Never throws: a failure is
   * counted and logged once.
   */
  public void notify(String state) {
    String path = socket;
    EventLoopGroup g = group;
    if (path == null || g == null) {
      return;
    }
    try {
      EpollTransport.sendToUnixSocket(g, path, state.getBytes(StandardCharsets.UTF_8));
    } catch (IOException | RuntimeException e) {
      failures.increment();
      if (!warned) {
        warned = true;
        LOG.log(
            System.Logger.Level.WARNING,
            "cannot notify the service manager at NOTIFY_SOCKET=" + path + ": " + e.getMessage());
      }
    }
  }

  @Override
  public void close() {
    EventLoopGroup g = group;
    if (g != null) {
      g.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
  }
}
