package io.pe4j.forwarder;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.pe4j.api.Protocol;
import io.pe4j.core.Ipvs;
import io.pe4j.core.VirtualService;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
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
 * <p>Uses epoll with {@code SO_REUSEPORT} (one socket per thread on each virtual service) when
 * available, NIO otherwise. {@link #refresh()} binds services added since and releases deleted
 * ones. Unless {@link Builder#sharePort} is set, a virtual address that another process already
 * serves is refused.
 *
 * <p><b>Note:</b> a user-space forwarder in this mode cannot send with a real server's source
 * address, so a server datagram that IPVS would let leave un-NATed (no Call-ID) is still sent from
 * the virtual address, to the client of its session; it is counted as {@link
 * ForwarderStats#returnedWithoutKey()}.
 */
public final class Forwarder implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder");

  /** The largest UDP payload: 65,535 less the IPv4 and UDP headers, or less UDP alone (IPv6). */
  static final int MAX_DATAGRAM = 65_536;

  private final Ipvs ipvs;
  private final int threads;
  private final int maxSessions;
  private final boolean epoll;
  private final boolean sharePort;
  private final boolean haltOnOutOfMemory;
  private final int tproxyPort;
  private final List<io.netty.channel.Channel> tproxySockets =
      new java.util.concurrent.CopyOnWriteArrayList<>();
  private final EventLoopGroup group;
  private final Class<? extends DatagramChannel> channelClass;
  private final Map<InetSocketAddress, Relay.Binding> bindings = new ConcurrentHashMap<>();
  private final Relay relay;
  private final ForwarderStats stats = new ForwarderStats();
  private volatile boolean started;

  private Forwarder(Builder b) {
    this.ipvs = b.ipvs;
    this.threads = b.threads;
    this.maxSessions = b.maxSessions;
    this.sharePort = b.sharePort;
    this.haltOnOutOfMemory = b.haltOnOutOfMemory;
    this.tproxyPort = b.tproxyPort;
    this.epoll = b.useEpoll && Epoll.isAvailable();
    IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(threads, factory);
    this.channelClass = epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
    this.relay =
        new Relay(
            ipvs,
            stats,
            channelClass,
            maxSessions,
            haltOnOutOfMemory,
            tproxyPort > 0,
            b.sourceAddress);
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
    private boolean useEpoll = true;
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
      this.useEpoll = false;
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
        bindTproxy();
      }
      refresh();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    ipvs.control().addListener(onChange);
    started = true;
    group.next().scheduleAtFixedRate(() -> relay.sweep(bindings.values()), 1, 1, TimeUnit.SECONDS);
    return this;
  }

  /** Binds and releases on the core's configuration changes (whoever makes them). */
  private final java.util.function.Consumer<io.pe4j.core.ConfigChange> onChange =
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

  private volatile @org.jspecify.annotations.Nullable String bindProblem;

  /**
   * Returns why the last change of the services left one unbound (its address cannot be bound), or
   * null when every UDP service is bound.
   */
  public @org.jspecify.annotations.Nullable String bindProblem() {
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
    if (relay.draining) {
      return; // a draining forwarder binds nothing new
    }
    Map<InetSocketAddress, String> wanted = new LinkedHashMap<>();
    for (VirtualService svc : ipvs.services()) {
      if (svc.protocol() != Protocol.UDP || svc.fwmark() != 0 || svc.port() == 0) {
        LOG.log(
            System.Logger.Level.WARNING,
            "not binding {0}: only UDP services with an address and port can be",
            svc);
        continue;
      }
      if (tproxyPort > 0 && svc.address().isIpv6()) {
        LOG.log(
            System.Logger.Level.WARNING,
            "not binding {0}: transparent mode serves IPv4 services only",
            svc);
        continue;
      }
      wanted.put(new InetSocketAddress(svc.address().toInetAddress(), svc.port()), svc.toString());
    }
    for (Relay.Binding b : List.copyOf(bindings.values())) {
      if (!wanted.containsKey(b.vip)) {
        bindings.remove(b.vip);
        b.close();
        LOG.log(System.Logger.Level.INFO, "released {0}", b.name);
      }
    }
    IllegalStateException failure = null;
    for (Map.Entry<InetSocketAddress, String> e : wanted.entrySet()) {
      if (!bindings.containsKey(e.getKey())) {
        try {
          bindings.put(e.getKey(), bind(e.getKey(), e.getValue()));
        } catch (IllegalStateException ex) {
          if (failure == null) {
            failure = ex;
          } else {
            failure.addSuppressed(ex);
          }
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
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
    relay.draining = true; // no new client from now; a new call on a kept socket is refused
    for (Relay.Binding b : bindings.values()) {
      List<io.netty.channel.Channel> shared = List.copyOf(b.channels);
      if (!epoll) {
        for (io.netty.channel.Channel c : shared) { // NIO: no SO_REUSEPORT; close, then rebind
          c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
      }
      List<InetSocketAddress> clients = relay.clients(b);
      List<ChannelFuture> opening = new java.util.ArrayList<>(clients.size());
      for (InetSocketAddress client : clients) {
        opening.add(vipBootstrap(b).connect(client, b.vip));
      }
      for (int i = 0; i < opening.size(); i++) {
        ChannelFuture f = opening.get(i).awaitUninterruptibly();
        if (f.isSuccess() && !relay.replyVia(b, clients.get(i), f.channel())) {
          f.channel().close(); // the session left meanwhile
        } else if (!f.isSuccess()) {
          LOG.log(
              System.Logger.Level.WARNING,
              "drain: no own socket for {0}: {1}",
              clients.get(i),
              describe(f.cause()));
        }
      }
      for (io.netty.channel.Channel c : shared) {
        c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        b.channels.remove(c);
      }
    }
    int kept = relay.kept(bindings.values());
    LOG.log(System.Logger.Level.INFO, "draining: {0} sessions kept, new clients refused", kept);
    return kept;
  }

  /**
   * During a drain, closes the sessions quiet for {@code idle} in both directions (so no
   * transaction is in flight through them) with their own sockets: those clients' next datagrams go
   * to the other nodes. Returns the sessions still kept.
   */
  public synchronized int releaseIdle(java.time.Duration idle) {
    return relay.releaseIdle(bindings.values(), idle.toNanos());
  }

  /** Returns whether {@link #drain()} was called. */
  public boolean isDraining() {
    return relay.draining;
  }

  private Bootstrap vipBootstrap(Relay.Binding binding) {
    Bootstrap b =
        new Bootstrap()
            .group(group)
            .channel(channelClass)
            .option(ChannelOption.SO_RCVBUF, 4 << 20)
            .option(ChannelOption.SO_SNDBUF, 4 << 20)
            .handler(relay.clientSide(binding));
    if (epoll) {
      b.option(EpollChannelOption.SO_REUSEPORT, true);
      // recvmmsg: up to BATCHED_READS whole datagrams per system call, each in a 64 KiB slot
      b.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM);
      b.option(ChannelOption.RCVBUF_ALLOCATOR, wholeDatagrams(BATCHED_READS));
    } else {
      b.option(ChannelOption.RCVBUF_ALLOCATOR, wholeDatagrams(1));
    }
    return b;
  }

  static final int BATCHED_READS = Math.max(1, Integer.getInteger("pe4j.batchedReads", 16));

  /**
   * Binds the TPROXY sockets of transparent mode, one per thread ({@code SO_REUSEPORT}), on every
   * address of {@link #tproxyPort}; refuses, saying what is missing, without epoll or without the
   * privilege to set {@code IP_TRANSPARENT}.
   */
  private void bindTproxy() {
    if (!epoll) {
      throw new IllegalStateException(
          "transparent mode needs Linux with Netty's epoll transport ("
              + (useEpollUnavailable())
              + ")");
    }
    for (int i = 0; i < threads; i++) {
      ChannelFuture f =
          new Bootstrap()
              .group(group)
              .channel(channelClass)
              .option(ChannelOption.SO_RCVBUF, 4 << 20)
              .option(ChannelOption.SO_REUSEADDR, true)
              .option(EpollChannelOption.SO_REUSEPORT, true)
              .option(ChannelOption.RCVBUF_ALLOCATOR, wholeDatagrams(1))
              .handler(new TransparentReplies(relay, stats, bindings))
              .bind(new InetSocketAddress(tproxyPort))
              .awaitUninterruptibly();
      if (!f.isSuccess()) {
        throw new IllegalStateException(
            "transparent mode: cannot bind the TPROXY port "
                + tproxyPort
                + ": "
                + describe(f.cause()),
            f.cause());
      }
      tproxySockets.add(f.channel());
      var config = ((EpollDatagramChannel) f.channel()).config();
      try {
        config.setIpTransparent(true);
        config.setOption(EpollChannelOption.IP_RECVORIGDSTADDR, true);
      } catch (io.netty.channel.ChannelException e) {
        throw new IllegalStateException(
            "transparent mode needs CAP_NET_ADMIN or CAP_NET_RAW (run as root or grant it: setcap"
                + " cap_net_admin+ep, AmbientCapabilities=CAP_NET_ADMIN): setsockopt"
                + " IP_TRANSPARENT failed: "
                + describe(e),
            e);
      }
      if (!config.isIpTransparent()
          || !Boolean.TRUE.equals(config.getOption(EpollChannelOption.IP_RECVORIGDSTADDR))) {
        throw new IllegalStateException(
            "transparent mode: this kernel does not keep IP_TRANSPARENT or IP_RECVORIGDSTADDR on"
                + " a UDP socket");
      }
    }
    LOG.log(
        System.Logger.Level.INFO,
        "transparent mode: servers see clients'' addresses; replies expected on TPROXY port {0}",
        String.valueOf(tproxyPort));
  }

  private static String useEpollUnavailable() {
    Throwable cause = Epoll.unavailabilityCause();
    return cause == null ? "disabled" : describe(cause);
  }

  /** Returns whether transparent mode is on (see {@link Builder#transparent}). */
  public boolean isTransparent() {
    return tproxyPort > 0;
  }

  /** Returns the virtual addresses bound now. */
  public List<InetSocketAddress> boundAddresses() {
    return List.copyOf(bindings.keySet());
  }

  private Relay.Binding bind(InetSocketAddress vip, String name) {
    if (epoll && !sharePort) {
      probeExclusive(vip, name);
    }
    Relay.Binding binding = relay.binding(vip, name);
    int sockets = epoll ? threads : 1;
    for (int i = 0; i < sockets; i++) {
      ChannelFuture f = vipBootstrap(binding).bind(vip).awaitUninterruptibly();
      if (!f.isSuccess()) {
        binding.close();
        throw new IllegalStateException(
            "cannot bind " + name + ": " + describe(f.cause()), f.cause());
      }
      binding.channels.add(f.channel());
    }
    return binding;
  }

  /**
   * Refuses an address that another socket already holds: with {@code SO_REUSEPORT} the kernel
   * would otherwise split clients silently between two independent template tables.
   */
  private static void probeExclusive(InetSocketAddress vip, String name) {
    try (java.net.DatagramSocket probe = new java.net.DatagramSocket(null)) {
      probe.setReuseAddress(false);
      probe.bind(vip);
    } catch (BindException e) {
      throw new IllegalStateException(
          "cannot bind "
              + name
              + ": the address is already in use (another pe4j forward? to share it between"
              + " processes on purpose, start each with --share-port)",
          e);
    } catch (SocketException e) {
      throw new IllegalStateException("cannot bind " + name + ": " + e.getMessage(), e);
    }
  }

  /**
   * Receive buffers of {@code slots} whole datagrams (64 KiB each; several slots are filled by one
   * {@code recvmmsg} where {@code MAX_DATAGRAM_PAYLOAD_SIZE} is set), read until the socket is
   * empty or 64 reads were made in one wake-up: Netty's default stops after a datagram that did not
   * fill its buffer, which for datagrams is every one, and costs an {@code epoll_wait} per
   * datagram.
   */
  static io.netty.channel.RecvByteBufAllocator wholeDatagrams(int slots) {
    FixedRecvByteBufAllocator a = new FixedRecvByteBufAllocator(slots * MAX_DATAGRAM);
    a.respectMaybeMoreData(false);
    a.maxMessagesPerRead(64);
    return a;
  }

  static String describe(@Nullable Throwable t) {
    if (t == null) {
      return "unknown error";
    }
    String m = String.valueOf(t.getMessage());
    for (Throwable c = t; c != null; c = c.getCause()) {
      if (String.valueOf(c.getMessage()).contains("Too many open files")) {
        return "no file descriptor left (ulimit -n)";
      }
    }
    if (m.contains("(-98)") || m.contains("Address already in use")) {
      return "the address is already in use";
    }
    if (m.contains("(-99)") || m.contains("Cannot assign requested address")) {
      return "the address is not on this host";
    }
    if (m.contains("(-13)") || m.contains("Permission denied")) {
      return "permission denied (ports below 1024 need root or CAP_NET_BIND_SERVICE)";
    }
    return m;
  }

  /** Returns the counters. */
  public ForwarderStats stats() {
    return stats;
  }

  /** Returns whether epoll is in use. */
  public boolean isEpoll() {
    return epoll;
  }

  /** Returns the core. */
  public Ipvs ipvs() {
    return ipvs;
  }

  /** Returns the number of client sessions open now. */
  public int sessions() {
    return relay.sessions();
  }

  /** Returns whether it halts the JVM on {@link OutOfMemoryError} (see the builder). */
  public boolean haltsOnOutOfMemory() {
    return haltOnOutOfMemory;
  }

  /** Returns whether {@link #start()} completed. */
  public boolean isStarted() {
    return started;
  }

  /** Closes every socket and stops the threads; waits up to 5 s. */
  @Override
  public void close() {
    ipvs.control().removeListener(onChange);
    for (io.netty.channel.Channel c : tproxySockets) {
      c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    tproxySockets.clear();
    for (Relay.Binding b : List.copyOf(bindings.values())) {
      b.close();
    }
    bindings.clear();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
