package io.pe4j.forwarder;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.netty.channel.socket.nio.NioDatagramChannel;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import io.pe4j.core.Ipvs;
import io.pe4j.core.Verdict;
import io.pe4j.core.VirtualService;
import java.net.BindException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
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
 * ipvs.ipvsadm(List.of("-R"), Files.readString(rules));
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

  private static final int MAX_PENDING = 64;

  private final Ipvs ipvs;
  private final int threads;
  private final int maxSessions;
  private final boolean epoll;
  private final boolean sharePort;
  private final boolean haltOnOutOfMemory;
  private final EventLoopGroup group;
  private final Class<? extends DatagramChannel> channelClass;
  private final Map<InetSocketAddress, Binding> bindings = new ConcurrentHashMap<>();
  private final AtomicInteger sessionCount = new AtomicInteger();
  private final ConcurrentHashMap<Verdict, InetSocketAddress> targets = new ConcurrentHashMap<>();
  private final ForwarderStats stats = new ForwarderStats();
  private final ThreadLocal<Datagram> scratch = ThreadLocal.withInitial(Datagram::new);
  private volatile boolean started;

  private Forwarder(Builder b) {
    this.ipvs = b.ipvs;
    this.threads = b.threads;
    this.maxSessions = b.maxSessions;
    this.sharePort = b.sharePort;
    this.haltOnOutOfMemory = b.haltOnOutOfMemory;
    this.epoll = b.useEpoll && Epoll.isAvailable();
    IoHandlerFactory factory = epoll ? EpollIoHandler.newFactory() : NioIoHandler.newFactory();
    this.group = new MultiThreadIoEventLoopGroup(threads, factory);
    this.channelClass = epoll ? EpollDatagramChannel.class : NioDatagramChannel.class;
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
      refresh();
    } catch (RuntimeException e) {
      close();
      throw e;
    }
    started = true;
    group.next().scheduleAtFixedRate(this::sweep, 1, 1, TimeUnit.SECONDS);
    return this;
  }

  /**
   * Brings the bound sockets in line with the core's services: binds the UDP services added since,
   * closes the sockets and sessions of those deleted. The admin endpoint calls it after each
   * command.
   *
   * @throws IllegalStateException naming a service whose address cannot be bound (the others stay
   *     bound)
   */
  public synchronized void refresh() {
    Map<InetSocketAddress, String> wanted = new LinkedHashMap<>();
    for (VirtualService svc : ipvs.services()) {
      if (svc.protocol() != Protocol.UDP || svc.fwmark() != 0 || svc.port() == 0) {
        LOG.log(
            System.Logger.Level.WARNING,
            "not binding {0}: only UDP services with an address and port can be",
            svc);
        continue;
      }
      wanted.put(new InetSocketAddress(svc.address().toInetAddress(), svc.port()), svc.toString());
    }
    for (Binding b : List.copyOf(bindings.values())) {
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

  /** Returns the virtual addresses bound now. */
  public List<InetSocketAddress> boundAddresses() {
    return List.copyOf(bindings.keySet());
  }

  private Binding bind(InetSocketAddress vip, String name) {
    if (epoll && !sharePort) {
      probeExclusive(vip, name);
    }
    Binding binding = new Binding(vip, name);
    int sockets = epoll ? threads : 1;
    for (int i = 0; i < sockets; i++) {
      Bootstrap b =
          new Bootstrap()
              .group(group)
              .channel(channelClass)
              .option(ChannelOption.SO_RCVBUF, 4 << 20)
              .option(ChannelOption.SO_SNDBUF, 4 << 20)
              .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
              .handler(new ClientSide(binding));
      if (epoll) {
        b.option(EpollChannelOption.SO_REUSEPORT, true);
      }
      ChannelFuture f = b.bind(vip).awaitUninterruptibly();
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

  private static String describe(@Nullable Throwable t) {
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
    return sessionCount.get();
  }

  /** A bound virtual service: its sockets and the sessions of its clients. */
  private final class Binding {
    final InetSocketAddress vip;
    final String name;
    final IpAddress vipAddress;
    final List<Channel> channels = new ArrayList<>();
    final ConcurrentHashMap<InetSocketAddress, Session> sessions = new ConcurrentHashMap<>();

    Binding(InetSocketAddress vip, String name) {
      this.vip = vip;
      this.name = name;
      this.vipAddress = IpAddress.of(vip.getAddress());
    }

    void close() {
      for (Channel c : channels) {
        c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
      }
      sessions.values().forEach(s -> closeSession(s));
    }
  }

  /** A datagram waiting for its session's upstream socket. */
  private record Pending(DatagramPacket packet, Verdict verdict, boolean ipv6) {}

  /** The datagrams of one client of one virtual service: an upstream socket. */
  private final class Session {
    final Binding binding;
    final InetSocketAddress client;
    final Channel clientSide;
    volatile @Nullable Channel upstream;
    volatile long lastUsed = ipvs.now();
    @Nullable String failure; // guarded by this
    final List<Pending> pending = new ArrayList<>(2); // guarded by this

    Session(Binding binding, InetSocketAddress client, Channel clientSide) {
      this.binding = binding;
      this.client = client;
      this.clientSide = clientSide;
    }
  }

  /** Datagrams from clients to a virtual service. */
  private final class ClientSide extends SimpleChannelInboundHandler<DatagramPacket> {
    private final Binding binding;

    ClientSide(Binding binding) {
      this.binding = binding;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      stats.clientDatagrams.increment();
      InetSocketAddress sender = packet.sender();
      ByteBuf content = packet.content();
      int length = content.readableBytes();
      boolean ipv6 = sender.getAddress() instanceof java.net.Inet6Address;
      ByteBuffer nio = content.nioBuffer(content.readerIndex(), length);
      Datagram d =
          scratch
              .get()
              .set(
                  Protocol.UDP,
                  IpAddress.of(sender.getAddress()),
                  sender.getPort(),
                  binding.vipAddress,
                  binding.vip.getPort())
              .payload(nio, nio.position(), nio.remaining());
      Verdict v;
      try {
        v = ipvs.process(d);
      } catch (RuntimeException e) {
        stats.drop("core error");
        LOG.log(System.Logger.Level.ERROR, "core failed on a datagram from " + sender, e);
        return;
      }
      if (v.kind() != Verdict.Kind.FORWARD) {
        stats.drop(
            v.kind() == Verdict.Kind.DROP ? v.reason() : v.kind().name().toLowerCase(Locale.ROOT));
        return;
      }
      Session s = session(binding, sender, ctx.channel());
      if (s == null) {
        stats.drop("sessions full");
        ipvs.notSent(v, length, ipv6);
        return;
      }
      s.lastUsed = ipvs.now();
      send(s, new DatagramPacket(content.retain(), target(v)), v, ipv6);
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fatalCheck(cause);
      LOG.log(System.Logger.Level.WARNING, "client-side socket error on " + binding.name, cause);
    }
  }

  private void fatalCheck(Throwable cause) {
    if (haltOnOutOfMemory && cause instanceof OutOfMemoryError) {
      Fatal.outOfMemory();
    }
  }

  private InetSocketAddress target(Verdict v) {
    InetSocketAddress t = targets.get(v);
    if (t == null) {
      t = new InetSocketAddress(Objects.requireNonNull(v.address()).toInetAddress(), v.port());
      if (targets.size() < 10_000) {
        targets.put(v, t);
      }
    }
    return t;
  }

  private @Nullable Session session(Binding binding, InetSocketAddress client, Channel clientSide) {
    Session s = binding.sessions.get(client);
    if (s != null) {
      return s;
    }
    if (sessionCount.incrementAndGet() > maxSessions) {
      sessionCount.decrementAndGet();
      return null;
    }
    Session fresh = new Session(binding, client, clientSide);
    Session raced = binding.sessions.putIfAbsent(client, fresh);
    if (raced != null) {
      sessionCount.decrementAndGet();
      return raced;
    }
    stats.sessionsOpened.increment();
    InetAddress local =
        binding.vip.getAddress().isAnyLocalAddress() ? null : binding.vip.getAddress();
    ChannelFuture bound =
        new Bootstrap()
            .group(clientSide.eventLoop())
            .channel(channelClass)
            .option(ChannelOption.SO_RCVBUF, 1 << 20)
            .option(ChannelOption.RCVBUF_ALLOCATOR, new FixedRecvByteBufAllocator(MAX_DATAGRAM))
            .handler(new ServerSide(fresh))
            .bind(local == null ? new InetSocketAddress(0) : new InetSocketAddress(local, 0));
    bound.addListener((ChannelFutureListener) f -> upstreamBound(fresh, f));
    return fresh;
  }

  private void upstreamBound(Session s, ChannelFuture f) {
    List<Pending> queued;
    synchronized (s) {
      if (f.isSuccess()) {
        s.upstream = f.channel();
      } else {
        s.failure = "upstream socket failed: " + describe(f.cause());
      }
      queued = new ArrayList<>(s.pending);
      s.pending.clear();
    }
    Channel up = s.upstream;
    if (up == null) {
      // no socket (file descriptors exhausted, say): forget the session, so that the client's
      // next datagram tries again, and count what was waiting
      String reason = String.valueOf(s.failure);
      if (s.binding.sessions.remove(s.client, s)) {
        sessionCount.decrementAndGet();
        stats.sessionsClosed.increment();
      }
      for (Pending p : queued) {
        int length = lengthOf(p);
        p.packet().release();
        stats.drop(reason);
        ipvs.notSent(p.verdict(), length, p.ipv6());
      }
      warnAtMostOncePerSecond(reason + " (client " + s.client + ")");
      return;
    }
    if (s.lastUsed == Long.MIN_VALUE) { // closed while the socket was being opened
      up.close();
    }
    for (Pending p : queued) {
      write(up, p.packet(), p.verdict(), p.ipv6());
    }
  }

  private final java.util.concurrent.atomic.AtomicLong lastWarning =
      new java.util.concurrent.atomic.AtomicLong();

  /**
   * Logs a warning at most once a second, after the counting is done, and never throws: with the
   * descriptors exhausted even the logger can fail (it opens the time-zone file on first use).
   */
  private void warnAtMostOncePerSecond(String message) {
    long now = System.nanoTime();
    long last = lastWarning.get();
    if (now - last < 1_000_000_000L || !lastWarning.compareAndSet(last, now)) {
      return;
    }
    try {
      LOG.log(System.Logger.Level.WARNING, message);
    } catch (Throwable t) {
      // counted already; nothing more to do
    }
  }

  private static int lengthOf(Pending p) {
    return p.packet().content().readableBytes();
  }

  private void send(Session s, DatagramPacket p, Verdict v, boolean ipv6) {
    Channel up = s.upstream;
    if (up == null) {
      synchronized (s) {
        up = s.upstream;
        if (up == null) {
          String failure = s.failure;
          if (failure != null) {
            p.release();
            stats.drop(failure);
            ipvs.notSent(v, p.content().readableBytes(), ipv6);
          } else if (s.pending.size() < MAX_PENDING) {
            s.pending.add(new Pending(p, v, ipv6));
          } else {
            int length = p.content().readableBytes();
            p.release();
            stats.drop("upstream not ready");
            ipvs.notSent(v, length, ipv6);
          }
          return;
        }
      }
    }
    write(up, p, v, ipv6);
  }

  private void write(Channel up, DatagramPacket p, Verdict v, boolean ipv6) {
    int length = p.content().readableBytes();
    up.writeAndFlush(p)
        .addListener(
            (ChannelFutureListener)
                f -> {
                  if (f.isSuccess()) {
                    stats.forwarded.increment();
                  } else {
                    stats.drop("send to server failed: " + describe(f.cause()));
                    ipvs.notSent(v, length, ipv6);
                  }
                });
  }

  /** Datagrams from real servers, on a session's upstream socket. */
  private final class ServerSide extends SimpleChannelInboundHandler<DatagramPacket> {
    private final Session session;
    private final IpAddress clientAddress;
    private final boolean ipv6;

    ServerSide(Session session) {
      this.session = session;
      this.clientAddress = IpAddress.of(session.client.getAddress());
      this.ipv6 = session.client.getAddress() instanceof java.net.Inet6Address;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      stats.serverDatagrams.increment();
      session.lastUsed = ipvs.now();
      InetSocketAddress server = packet.sender();
      ByteBuf content = packet.content();
      int length = content.readableBytes();
      ByteBuffer nio = content.nioBuffer(content.readerIndex(), length);
      Datagram d =
          scratch
              .get()
              .set(
                  Protocol.UDP,
                  IpAddress.of(server.getAddress()),
                  server.getPort(),
                  clientAddress,
                  session.client.getPort())
              .payload(nio, nio.position(), nio.remaining());
      Verdict v;
      try {
        v = ipvs.processFromServer(d);
      } catch (RuntimeException e) {
        stats.replyDrop("core error");
        LOG.log(System.Logger.Level.ERROR, "core failed on a datagram from server " + server, e);
        return;
      }
      if (v.kind() != Verdict.Kind.OUT || !session.binding.vipAddress.equals(v.address())) {
        stats.returnedWithoutKey.increment(); // still returned to the session's client
      }
      session
          .clientSide
          .writeAndFlush(new DatagramPacket(content.retain(), session.client))
          .addListener(
              (ChannelFutureListener)
                  f -> {
                    if (f.isSuccess()) {
                      stats.returned.increment();
                    } else {
                      stats.replyDrop("send to client failed: " + describe(f.cause()));
                      ipvs.notSent(v, length, ipv6);
                    }
                  });
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fatalCheck(cause);
      LOG.log(System.Logger.Level.WARNING, "upstream socket error for " + session.client, cause);
    }
  }

  /** Closes sessions idle for longer than the core's UDP timeout. */
  private void sweep() {
    long idle = TimeUnit.SECONDS.toNanos(ipvs.udpTimeout());
    long now = ipvs.now();
    for (Binding b : bindings.values()) {
      b.sessions
          .values()
          .removeIf(
              s -> {
                if (now - s.lastUsed > idle) {
                  closeSession(s);
                  return true;
                }
                return false;
              });
    }
  }

  private void closeSession(Session s) {
    sessionCount.decrementAndGet();
    stats.sessionsClosed.increment();
    Channel up = s.upstream;
    s.lastUsed = Long.MIN_VALUE;
    if (up != null) {
      up.close();
    }
    synchronized (s) {
      for (Pending p : s.pending) {
        int length = lengthOf(p);
        p.packet().release();
        stats.drop("session closed");
        ipvs.notSent(p.verdict(), length, p.ipv6());
      }
      s.pending.clear();
    }
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
    for (Binding b : List.copyOf(bindings.values())) {
      b.close();
    }
    bindings.clear();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
