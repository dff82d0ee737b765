package io.pe4j.forwarder;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.EventLoopGroup;
import io.pe4j.core.ConfigChange;
import io.pe4j.core.Ipvs;
import java.net.InetSocketAddress;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A NAT-mode UDP forwarder that routes with a pe4j core: it binds every UDP virtual service of the
 * core, forwards each client datagram to the real server the core chooses from an upstream socket
 * of that client's session, and sends what that server returns (replies and server-originated
 * requests alike, through the core's {@link Ipvs#processFromServer}) back to the client from the
 * virtual address.
 *
 * <pre>{@code
 * Ipvs ipvs = Ipvs.builder().build();
 * Ipvsadm.execute(ipvs, List.of("-R"), Files.readString(rules));
 * try (Forwarder f = Forwarder.builder(ipvs).threads(2).build().start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Datagrams are carried whole, up to the protocol's maximum (65,507 bytes over IPv4, 65,527 over
 * IPv6), both ways. A session belongs to one virtual service and one client address and port; it
 * expires after the core's UDP timeout ({@code --set}); sessions are bounded in number. Every
 * datagram received is forwarded or counted as dropped with its reason: {@link
 * ForwarderStats#clientDatagrams()} = {@link ForwarderStats#forwarded()} + the client-side drops,
 * once the sends in flight completed. A client whose upstream socket could not be opened (file
 * descriptors exhausted, say) is retried on its next datagram.
 *
 * <p>Its rooms: the {@code Transport} (epoll with {@code SO_REUSEPORT}, one socket per thread on
 * each virtual service, when available; NIO otherwise), the session table ({@code Sessions}), the
 * client-side and server-side handlers, send accounting and batching ({@code Sending}) and the
 * drain. It follows the core's configuration: services added are bound, deleted ones released.
 * Unless {@link Builder#sharePort} is set, a virtual address that another process already serves is
 * refused.
 *
 * <p><b>Note:</b> a user-space forwarder in this mode cannot send with a real server's source
 * address, so a server datagram that IPVS would let leave un-NATed (no Call-ID) is still sent from
 * the virtual address, to the client of its session; it is counted as {@link
 * ForwarderStats#returnedWithoutKey()}.
 */
public final class Forwarder implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder");

  private final Ipvs ipvs;
  private final int threads;
  private final boolean sharePort;
  private final boolean haltOnOutOfMemory;
  private final int tproxyPort;
  private final Transport transport;
  private final List<Channel> tproxySockets = new java.util.concurrent.CopyOnWriteArrayList<>();
  private final EventLoopGroup group;
  private final Bindings bindings;
  private final ForwarderStats stats = new ForwarderStats();
  private final CoreCalls core;
  private final Sending sending;
  private final Sessions sessions;
  private final Drain drain;
  private final AtomicInteger held = new AtomicInteger();
  private final int maxHeld;
  private volatile @Nullable String bindProblem;

  /** Binds and releases on the core's configuration changes (whoever makes them). */
  private final Consumer<ConfigChange> onChange =
      change -> {
        if (change.servicesChanged()) {
          try {
            refresh();
            bindProblem = null;
          } catch (IllegalStateException e) {
            bindProblem = e.getMessage();
            LOG.log(System.Logger.Level.WARNING, e.getMessage());
          }
        }
      };

  private Forwarder(Builder b) {
    this.ipvs = b.ipvs;
    this.threads = b.threads;
    this.sharePort = b.sharePort;
    this.haltOnOutOfMemory = b.haltOnOutOfMemory;
    this.tproxyPort = b.tproxyPort;
    this.transport = b.transport != null ? Transport.named(b.transport) : Transport.best();
    this.group = transport.newGroup(threads);
    this.maxHeld = Math.max(1024, Math.min(65_536, b.maxSessions));
    this.core = new CoreCalls(ipvs, stats, haltOnOutOfMemory);
    this.sending = new Sending(ipvs, stats);
    this.sessions =
        new Sessions(
            ipvs,
            stats,
            sending,
            core,
            transport,
            b.maxSessions,
            tproxyPort > 0,
            b.sourceAddress,
            s -> new ServerSide(s, core, sending, stats));
    this.drain = new Drain(ipvs, stats, sessions);
    this.bindings =
        new Bindings(sessions, transport, threads, sharePort, tproxyPort > 0, this::vipBootstrap);
  }

  /** Returns a builder for a forwarder over {@code ipvs}. */
  public static Builder builder(Ipvs ipvs) {
    return new Builder(ipvs);
  }

  /** Configures a {@link Forwarder}. */
  public static final class Builder {
    private final Ipvs ipvs;
    private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());
    private int maxSessions = 65_536;
    private @org.jspecify.annotations.Nullable String transport;
    private boolean sharePort;
    private boolean haltOnOutOfMemory;
    private int tproxyPort;
    private java.net.@org.jspecify.annotations.Nullable InetAddress sourceAddress;

    private Builder(Ipvs ipvs) {
      this.ipvs = Objects.requireNonNull(ipvs);
    }

    /** Sets the number of worker threads (default: the number of cores). */
    public Builder threads(int n) {
      if (n < 1 || n > 256) {
        throw new IllegalArgumentException("threads must be 1..256: " + n);
      }
      this.threads = n;
      return this;
    }

    /**
     * Bounds the client sessions, each an upstream socket (default 65,536); a datagram that would
     * need one more is dropped and counted as {@code "sessions full"}.
     */
    public Builder maxSessions(int n) {
      if (n < 1) {
        throw new IllegalArgumentException("maxSessions must be positive: " + n);
      }
      this.maxSessions = n;
      return this;
    }

    /** Uses NIO even where epoll is available. */
    public Builder nio() {
      this.transport = "nio";
      return this;
    }

    /**
     * Uses the transport of that name: {@code epoll}, {@code io_uring} or {@code nio} (default:
     * epoll where it is available, else NIO).
     *
     * @throws IllegalArgumentException for an unknown name, or one this host cannot run, saying why
     */
    public Builder transport(String name) {
      Transport.named(Objects.requireNonNull(name, "name")); // refused here, not at build()
      this.transport = name;
      return this;
    }

    /**
     * Shares virtual addresses with other processes through {@code SO_REUSEPORT} (the kernel then
     * spreads clients across them); by default an address another process serves is refused.
     */
    public Builder sharePort(boolean share) {
      this.sharePort = share;
      return this;
    }

    /**
     * Halts the JVM with exit code 3 when an event loop meets {@link OutOfMemoryError}, so that a
     * supervisor restarts the process instead of keeping a zombie that holds its sockets (the
     * {@code pe4j forward} command sets it; an embedding host usually has its own policy).
     */
    public Builder haltOnOutOfMemory(boolean halt) {
      this.haltOnOutOfMemory = halt;
      return this;
    }

    /**
     * Transparent mode (Linux, {@code CAP_NET_ADMIN}), as IPVS NAT: datagrams reach real servers
     * with the client's own address and port as their source (sockets with {@code IP_TRANSPARENT}),
     * and servers, whose gateway this host must be, send to the client's address; a TPROXY rule
     * hands those datagrams to a socket of this forwarder on {@code tproxyPort}, which learns their
     * original destination ({@code IP_RECVORIGDSTADDR}) and sends them on from the virtual address.
     * The routing setup is the host's; {@link TransparentCheck} checks it. IPv4 services only.
     * Default: off (full NAT, no privilege).
     */
    public Builder transparent(int tproxyPort) {
      if (tproxyPort < 1 || tproxyPort > 65_535) {
        throw new IllegalArgumentException("the TPROXY port must be 1..65535: " + tproxyPort);
      }
      this.tproxyPort = tproxyPort;
      return this;
    }

    /**
     * Full NAT: sends to the real servers from {@code address}, an address of this host's own,
     * instead of the virtual address, so that real servers answer this host even when several hosts
     * share the virtual address (ECMP, anycast). Default: the virtual address (or any address for a
     * wildcard service).
     */
    public Builder sourceAddress(java.net.InetAddress address) {
      this.sourceAddress = java.util.Objects.requireNonNull(address);
      return this;
    }

    /** Returns the forwarder, not yet bound. */
    public Forwarder build() {
      return new Forwarder(this);
    }
  }

  /**
   * Binds every UDP virtual service with an address and a port (fwmark and port-zero services need
   * the kernel and are skipped with a warning), and starts the session sweeper.
   *
   * @throws IllegalStateException naming the service whose address cannot be bound
   */
  public Forwarder start() {
    try {
      if (tproxyPort > 0) {
        tproxySockets.addAll(
            TransparentReplies.bind(
                transport,
                group,
                threads,
                tproxyPort,
                () -> new TransparentReplies(core, sessions, sending, stats, bindings)));
      }
      refresh();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    ipvs.control().addListener(onChange);
    group.next().scheduleAtFixedRate(() -> sessions.sweep(bindings.all()), 1, 1, TimeUnit.SECONDS);
    return this;
  }

  /**
   * Returns why the last change of the services left one unbound (its address cannot be bound), or
   * null when every UDP service is bound.
   */
  public @Nullable String bindProblem() {
    return bindProblem;
  }

  /**
   * Brings the bound sockets in line with the core's services: binds the UDP services added since,
   * closes the sockets and sessions of those deleted. The forwarder calls it itself on each change
   * of the core's services.
   *
   * @throws IllegalStateException naming a service whose address cannot be bound (the others stay
   *     bound)
   */
  public synchronized void refresh() {
    if (drain.draining) {
      return; // a draining forwarder binds nothing new
    }
    bindings.update(ipvs.services());
  }

  /**
   * Starts a graceful drain: the virtual sockets shared with other processes are closed, so that
   * with {@code SO_REUSEPORT} the kernel sends new clients to the other nodes, while each client
   * with a session gets a socket of the virtual address connected to it alone (epoll), so that
   * servers' replies to transactions in flight, and that client's own retransmissions, still pass.
   * The caller closes the forwarder when the drain time is up. Returns the number of sessions kept.
   *
   * <p>From the first instant, a datagram from a client without a session here is dropped (counted)
   * before the core sees it: a connected socket joining the {@code SO_REUSEPORT} group changes how
   * the kernel hashes the group's other clients, so for the moment the own sockets take to open,
   * another node's client may land here — scheduled here, its call would split. Dropped, its
   * retransmission reaches its node once the shared sockets are closed. The own sockets open in
   * parallel, to keep that moment short (milliseconds).
   */
  public synchronized int drain() {
    return drain.start(bindings.all(), this::vipBootstrap, transport.sharesPorts());
  }

  /**
   * During a drain, closes the sessions quiet for {@code idle} in both directions (so no
   * transaction is in flight through them) with their own sockets: those clients' next datagrams go
   * to the other nodes. Returns the sessions still kept.
   */
  public synchronized int releaseIdle(java.time.Duration idle) {
    return drain.releaseIdle(bindings.all(), idle.toNanos());
  }

  private Bootstrap vipBootstrap(Sessions.Binding binding) {
    return transport
        .virtualSocket(new Bootstrap().group(group).channel(transport.datagramChannel()))
        .handler(new ClientSide(binding, core, sessions, sending, drain, stats, held, maxHeld));
  }

  /** Returns whether transparent mode is on (see {@link Builder#transparent}). */
  public boolean isTransparent() {
    return tproxyPort > 0;
  }

  /** Returns the virtual addresses bound now. */
  public List<InetSocketAddress> boundAddresses() {
    return bindings.addresses();
  }

  /** Returns the counters. */
  public ForwarderStats stats() {
    return stats;
  }

  /** Returns whether epoll is in use. */
  public boolean isEpoll() {
    return transport.isNative();
  }

  /** Returns the transport in use: {@code epoll}, {@code io_uring} or {@code nio}. */
  public String transport() {
    return transport.name();
  }

  /** Returns the core. */
  public Ipvs ipvs() {
    return ipvs;
  }

  /**
   * Runs an empty task on every event loop; completes when all have run it. A loop that is stuck (a
   * handler that blocks) leaves it incomplete: what a watchdog asks before it says "alive".
   */
  public java.util.concurrent.CompletableFuture<Void> heartbeat() {
    List<java.util.concurrent.CompletableFuture<Void>> beats = new java.util.ArrayList<>();
    for (io.netty.util.concurrent.EventExecutor loop : group) {
      java.util.concurrent.CompletableFuture<Void> beat =
          new java.util.concurrent.CompletableFuture<>();
      try {
        loop.execute(() -> beat.complete(null));
      } catch (java.util.concurrent.RejectedExecutionException e) {
        beat.completeExceptionally(e); // shut down
      }
      beats.add(beat);
    }
    return java.util.concurrent.CompletableFuture.allOf(
        beats.toArray(java.util.concurrent.CompletableFuture[]::new));
  }

  /** Returns the number of client sessions open now. */
  public int sessions() {
    return sessions.count();
  }

  /** Returns whether it halts the JVM on {@link OutOfMemoryError} (see the builder). */
  public boolean haltsOnOutOfMemory() {
    return haltOnOutOfMemory;
  }

  /** Closes every socket and stops the threads; waits up to 5 s. */
  @Override
  public void close() {
    ipvs.control().removeListener(onChange);
    for (Channel c : tproxySockets) {
      c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    tproxySockets.clear();
    bindings.closeAll();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
