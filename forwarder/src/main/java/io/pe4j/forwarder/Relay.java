package io.pe4j.forwarder;

import com.google.common.util.concurrent.RateLimiter;
import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.socket.DatagramChannel;
import io.netty.channel.socket.DatagramPacket;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import io.pe4j.core.Ipvs;
import io.pe4j.core.Verdict;
import io.pe4j.core.VirtualService;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import org.jspecify.annotations.Nullable;

/**
 * The forwarder's datagram relay: each client datagram through the core to a real server, from the
 * upstream socket of that client's session; each server datagram through the core back to the
 * client, from the virtual address. Owns the sessions (bounded, expiring with the core's UDP
 * timeout) and counts every datagram forwarded or dropped with its reason.
 */
final class Relay {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder");
  private static final int MAX_PENDING = 64;

  private final Ipvs ipvs;
  private final ForwarderStats stats;
  private final Class<? extends DatagramChannel> channelClass;
  private final int maxSessions;
  private final boolean haltOnOutOfMemory;
  private final boolean transparent;
  private final AtomicInteger sessionCount = new AtomicInteger();
  private final AtomicInteger held = new AtomicInteger();
  private final int maxHeld;
  private final @Nullable InetAddress sourceAddress; // full NAT's own source, or the VIP
  private final ConcurrentHashMap<Verdict, InetSocketAddress> targets = new ConcurrentHashMap<>();
  private final ThreadLocal<Datagram> scratch = ThreadLocal.withInitial(Datagram::new);

  Relay(
      Ipvs ipvs,
      ForwarderStats stats,
      Class<? extends DatagramChannel> channelClass,
      int maxSessions,
      boolean haltOnOutOfMemory,
      boolean transparent,
      @Nullable InetAddress sourceAddress) {
    this.ipvs = ipvs;
    this.sourceAddress = sourceAddress;
    this.transparent = transparent;
    this.stats = stats;
    this.channelClass = channelClass;
    this.maxSessions = maxSessions;
    this.maxHeld = Math.max(1024, Math.min(65_536, maxSessions));
    this.haltOnOutOfMemory = haltOnOutOfMemory;
  }

  /** Returns a binding for a virtual service, with no socket yet. */
  Binding binding(InetSocketAddress vip, String name) {
    return new Binding(vip, name);
  }

  /** Returns the handler of a virtual-service socket of {@code binding}. */
  ChannelHandler clientSide(Binding binding) {
    return new ClientSide(binding);
  }

  /** Returns the number of client sessions open now. */
  int sessions() {
    return sessionCount.get();
  }

  /** A bound virtual service: its sockets and the sessions of its clients. */
  final class Binding {
    final InetSocketAddress vip;
    final String name;
    final IpAddress vipAddress;
    final List<Channel> channels = new java.util.concurrent.CopyOnWriteArrayList<>();
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

  /**
   * The sockets written to during one read burst of a socket, flushed together when the burst ends
   * ({@code channelReadComplete}): the datagrams a socket gets in one burst then leave in one
   * {@code sendmmsg}, not one {@code sendmsg} each. Confined to the reading socket's event loop.
   */
  static final class Batch {
    /**
     * Datagrams to clients written before a flush, at most: a burst a small receive buffer can take
     * (SIPp's uac, with its default 64 KiB, dropped responses at 4,000 calls/s without a limit).
     */
    static final int TO_CLIENTS = Integer.getInteger("pe4j.sendBurst", 8);

    /**
     * Datagrams to real servers written before a flush, at most: servers are provisioned for a
     * balancer's bursts, and a flush every 8 cost 1.2–1.9× the CPU per datagram of one every 64
     * (BENCHMARKS.md §11).
     */
    static final int TO_SERVERS = Integer.getInteger("pe4j.serverBurst", 64);

    private final int limit;
    private Channel[] pending = new Channel[8];
    private int size;
    private int writes;

    Batch(int limit) {
      this.limit = Math.max(1, limit);
    }

    void add(Channel c) {
      if (!holds(c)) {
        if (size == pending.length) {
          pending = java.util.Arrays.copyOf(pending, size * 2);
        }
        pending[size++] = c;
      }
      if (++writes >= limit) {
        flush();
      }
    }

    private boolean holds(Channel c) {
      for (int i = size - 1; i >= 0; i--) {
        if (pending[i] == c) {
          return true;
        }
      }
      return false;
    }

    void flush() {
      for (int i = 0; i < size; i++) {
        pending[i].flush();
        pending[i] = null;
      }
      size = 0;
      writes = 0;
    }
  }

  /** A datagram waiting for its session's upstream socket. */
  private record Pending(DatagramPacket packet, Verdict verdict, boolean ipv6) {}

  /**
   * The datagrams of one client of one virtual service: an upstream socket, bound to an ephemeral
   * port of this host (full NAT) or, in transparent mode, to the client's own address and port.
   */
  final class Session {
    final Binding binding;
    final InetSocketAddress client;
    volatile Channel clientSide; // the shared virtual socket, or its own during a drain
    volatile @Nullable Channel upstream;
    volatile long lastUsed = ipvs.now();
    volatile boolean answered; // the last datagram was the server's: nothing awaits a reply
    boolean ownSocket; // guarded by this: a drain gave it a socket connected to its client
    @Nullable String failure; // guarded by this
    boolean closed; // guarded by this
    final List<Pending> pending = new ArrayList<>(2); // guarded by this

    Session(Binding binding, InetSocketAddress client, Channel clientSide) {
      this.binding = binding;
      this.client = client;
      this.clientSide = clientSide;
    }

    /** A server's datagram for this client arrived at {@code now}: nothing awaits a reply. */
    void answeredAt(long now) {
      lastUsed = now;
      answered = true;
    }
  }

  /** Datagrams from clients to a virtual service. */
  private final class ClientSide extends SimpleChannelInboundHandler<DatagramPacket> {
    private final Binding binding;
    private final Batch batch = new Batch(Batch.TO_SERVERS);
    private final ClusterHold hold;

    ClientSide(Binding binding) {
      this.binding = binding;
      this.hold = new ClusterHold(stats, held, maxHeld, this::again);
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      stats.clientDatagrams.increment();
      handle(ctx, packet, false);
    }

    /** A datagram held for the cluster's answer, processed again now that it settled. */
    private void again(ChannelHandlerContext ctx, DatagramPacket packet) {
      handle(ctx, packet, true);
      batch.flush();
    }

    @Override
    public void channelInactive(ChannelHandlerContext ctx) throws Exception {
      hold.clear();
      super.channelInactive(ctx);
    }

    private void handle(ChannelHandlerContext ctx, DatagramPacket packet, boolean again) {
      InetSocketAddress sender = packet.sender();
      ByteBuf content = packet.content();
      int length = content.readableBytes();
      boolean ipv6 = sender.getAddress() instanceof java.net.Inet6Address;
      Datagram d = view(content, sender, binding.vipAddress, binding.vip.getPort());
      if (draining && drainRefuses(binding, sender, d)) {
        return;
      }
      Verdict v;
      try {
        v = ipvs.process(d);
      } catch (RuntimeException e) {
        stats.drop("core error");
        LOG.log(System.Logger.Level.ERROR, "core failed on a datagram from " + sender, e);
        return;
      }
      if (v.kind() == Verdict.Kind.WAIT) {
        if (again) { // settled, and still no template: the table refused it, or it left already
          stats.drop("cluster wait: no template after the wait");
        } else {
          hold.hold(ctx, packet, v);
        }
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
      s.answered = false;
      send(s, new DatagramPacket(content.retain(), target(v)), v, ipv6, batch);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      batch.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fatalCheck(cause);
      LOG.log(System.Logger.Level.WARNING, "client-side socket error on " + binding.name, cause);
    }
  }

  void fatalCheck(Throwable cause) {
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

  /**
   * During a drain, on a session kept with its own socket: a datagram that would start a new
   * template — a new call from a client that reused a kept source port — is not this node's any
   * more. It is dropped (counted) and, when nothing awaits a reply on the session, the session is
   * released at once, so that the client's retransmission reaches another node. Checked before
   * {@link Ipvs#process} commits; a session's own datagrams pass.
   */
  private boolean newCallOnKeptSession(Binding b, InetSocketAddress client, Datagram d) {
    Session s = b.sessions.get(client);
    boolean own;
    if (s == null) {
      return false;
    }
    synchronized (s) {
      if (s.closed) {
        return false;
      }
      own = s.ownSocket;
    }
    try {
      if (nodesAgree(b) || !ipvs.wouldCreateTemplate(d)) {
        return false;
      }
    } catch (RuntimeException e) {
      return false; // process() meets it again and counts it
    }
    stats.drop("drain: a new call on a kept client socket (left to the other nodes)");
    if (own && s.answered && b.sessions.remove(client, s)) { // nothing awaits a reply: let go
      Channel socket = s.clientSide;
      closeSession(s);
      b.channels.remove(socket);
      socket.close();
    }
    return true;
  }

  /**
   * Whether every node would send a new call of {@code b}'s service to the same server on its own
   * (shared templates, or {@code mh} hashing the engine's key): then a new call may start on a
   * draining node and end on another.
   */
  private boolean nodesAgree(Binding b) {
    if (ipvs.isClustered()) {
      return true;
    }
    VirtualService svc = ipvs.service(Protocol.UDP, b.vipAddress, b.vip.getPort(), 0);
    return svc != null
        && svc.schedulerName().equals("mh")
        && svc.schedulerFlags().contains("mh-pe");
  }

  /**
   * Set by {@link Forwarder#drain}: a datagram from a client without a session here is dropped
   * (counted) before the core sees it, and so is a new call on a kept session ({@link
   * #newCallOnKeptSession}); their retransmissions reach the other nodes.
   */
  volatile boolean draining;

  /** During a drain: whether this datagram is not this node's any more (dropped and counted). */
  private boolean drainRefuses(Binding b, InetSocketAddress client, Datagram d) {
    if (b.sessions.get(client) == null) {
      stats.drop("drain: a new client (left to the other nodes)");
      return true;
    }
    return newCallOnKeptSession(b, client, d);
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
        sourceAddress != null
            ? sourceAddress
            : binding.vip.getAddress().isAnyLocalAddress() ? null : binding.vip.getAddress();
    Bootstrap upstream =
        new Bootstrap()
            .group(clientSide.eventLoop())
            .channel(channelClass)
            .option(ChannelOption.SO_RCVBUF, 1 << 20)
            .option(ChannelOption.RCVBUF_ALLOCATOR, Forwarder.wholeDatagrams(1))
            .handler(new ServerSide(fresh));
    ChannelFuture bound;
    if (transparent) { // the client's own address and port, not on this host: IP_TRANSPARENT
      bound =
          upstream
              .option(EpollChannelOption.IP_TRANSPARENT, true)
              .option(ChannelOption.SO_REUSEADDR, true)
              .bind(client);
    } else {
      bound =
          upstream.bind(local == null ? new InetSocketAddress(0) : new InetSocketAddress(local, 0));
    }
    bound.addListener((ChannelFutureListener) f -> upstreamBound(fresh, f));
    return fresh;
  }

  /** This thread's view of a datagram's payload, from {@code from} to {@code to:toPort}. */
  private Datagram view(ByteBuf content, InetSocketAddress from, IpAddress to, int toPort) {
    // an NIO view of the payload, no copy; used only while the core processes the datagram, on
    // this thread
    ByteBuffer nio = nioView(content, content.readerIndex(), content.readableBytes());
    return scratch
        .get()
        .set(Protocol.UDP, IpAddress.of(from.getAddress()), from.getPort(), to, toPort)
        .payload(nio, nio.position(), nio.remaining());
  }

  /**
   * The bytes {@code index..index+length} of {@code content} as an NIO buffer, without a new object
   * where possible. A datagram from a batched read ({@code recvmmsg}) is a slice of the read's
   * buffer, and a slice's internal NIO buffer is a new {@code ByteBuffer} each time (Netty's
   * derived buffers make one per call: a fifth of the relay's allocation per datagram); the read's
   * own buffer keeps one, so the slice's bytes are taken from it, found by their memory address.
   */
  static ByteBuffer nioView(ByteBuf content, int index, int length) {
    ByteBuf buf = content;
    if (buf.hasMemoryAddress()) {
      // past wrappers (leak detection's), which share the buffer's memory and indices
      ByteBuf inner = buf.unwrap();
      while (inner != null
          && inner.hasMemoryAddress()
          && inner.memoryAddress() == buf.memoryAddress()
          && inner.capacity() == buf.capacity()) {
        buf = inner;
        inner = buf.unwrap();
      }
      // a slice of a read: through the read's buffer, which only this event loop uses
      if (inner != null && inner.hasMemoryAddress() && inner.nioBufferCount() == 1) {
        long offset = buf.memoryAddress() - inner.memoryAddress();
        if (offset >= 0 && offset + index + length <= inner.capacity()) {
          return inner.internalNioBuffer((int) offset + index, length);
        }
      }
    }
    return buf.nioBufferCount() == 1
        ? buf.internalNioBuffer(index, length)
        : buf.nioBuffer(index, length);
  }

  private void upstreamBound(Session s, ChannelFuture f) {
    List<Pending> queued;
    boolean closed;
    synchronized (s) {
      if (f.isSuccess()) {
        s.upstream = f.channel();
      } else {
        s.failure = "upstream socket failed: " + Forwarder.describe(f.cause());
      }
      closed = s.closed;
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
      dropAll(queued, reason);
      warnAtMostOncePerSecond(reason + " (client " + s.client + ")");
      return;
    }
    if (closed) { // closed while the socket was being opened (nothing was queued then)
      up.close();
      return;
    }
    for (Pending p : queued) {
      write(up, p.packet(), p.verdict(), p.ipv6(), null);
    }
  }

  /** Repeated warnings: one a second, the rest only counted. */
  private final RateLimiter warnings = RateLimiter.create(1.0);

  /**
   * Logs a warning at most once a second, after the counting is done, and never throws: with the
   * descriptors exhausted even the logger can fail (it opens the time-zone file on first use).
   */
  private void warnAtMostOncePerSecond(String message) {
    if (!warnings.tryAcquire()) {
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

  private void send(Session s, DatagramPacket p, Verdict v, boolean ipv6, Batch batch) {
    Channel up = s.upstream;
    if (up == null) {
      synchronized (s) {
        up = s.upstream;
        if (up == null) {
          String reason = s.closed ? "session closed" : s.failure;
          if (reason == null && s.pending.size() < MAX_PENDING) {
            s.pending.add(new Pending(p, v, ipv6)); // sent when the socket is open
          } else {
            dropAll(
                List.of(new Pending(p, v, ipv6)), reason == null ? "upstream not ready" : reason);
          }
          return;
        }
      }
    }
    write(up, p, v, ipv6, batch);
  }

  private void write(Channel up, DatagramPacket p, Verdict v, boolean ipv6, @Nullable Batch batch) {
    Accounted promise = new Accounted(up, true, v, p.content().readableBytes(), ipv6);
    if (batch != null) {
      up.write(p, promise);
      batch.add(up);
    } else {
      up.writeAndFlush(p, promise);
    }
  }

  /**
   * The promise of one datagram's send, which accounts for it when the send completes: counted as
   * forwarded (or returned), or dropped with the reason and the core's counters refunded. One
   * object per datagram where a promise and a listener were two.
   */
  private final class Accounted extends DefaultChannelPromise {
    private final boolean toServer;
    private final Verdict verdict;
    private final int length;
    private final boolean ipv6;

    Accounted(Channel channel, boolean toServer, Verdict verdict, int length, boolean ipv6) {
      super(channel);
      this.toServer = toServer;
      this.verdict = verdict;
      this.length = length;
      this.ipv6 = ipv6;
    }

    @Override
    public boolean trySuccess(@Nullable Void result) {
      boolean completed = super.trySuccess(result);
      if (completed) {
        (toServer ? stats.forwarded : stats.returned).increment();
      }
      return completed;
    }

    @Override
    public ChannelPromise setSuccess(@Nullable Void result) {
      if (!trySuccess(result)) {
        throw new IllegalStateException("complete already: " + this);
      }
      return this;
    }

    @Override
    public boolean tryFailure(Throwable cause) {
      boolean completed = super.tryFailure(cause);
      if (completed) {
        if (toServer) {
          stats.drop("send to server failed: " + Forwarder.describe(cause));
        } else {
          stats.replyDrop("send to client failed: " + Forwarder.describe(cause));
        }
        ipvs.notSent(verdict, length, ipv6);
      }
      return completed;
    }

    @Override
    public ChannelPromise setFailure(Throwable cause) {
      if (!tryFailure(cause)) {
        throw new IllegalStateException("complete already: " + this, cause);
      }
      return this;
    }
  }

  /** Datagrams from real servers, on a session's upstream socket. */
  private final class ServerSide extends SimpleChannelInboundHandler<DatagramPacket> {
    private final Session session;
    private final IpAddress clientAddress;
    private final boolean ipv6;
    private final Batch batch = new Batch(Batch.TO_CLIENTS);

    ServerSide(Session session) {
      this.session = session;
      this.clientAddress = IpAddress.of(session.client.getAddress());
      this.ipv6 = session.client.getAddress() instanceof java.net.Inet6Address;
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      stats.serverDatagrams.increment();
      session.answeredAt(ipvs.now());
      InetSocketAddress server = packet.sender();
      ByteBuf content = packet.content();
      int length = content.readableBytes();
      Verdict v = fromServer(content, server, clientAddress, session.client.getPort());
      if (v == null) {
        return;
      }
      if (v.kind() != Verdict.Kind.OUT || !session.binding.vipAddress.equals(v.address())) {
        stats.returnedWithoutKey.increment(); // still returned to the session's client
      }
      returnToClient(session.clientSide, session.client, content, v, length, ipv6, batch);
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      batch.flush();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      fatalCheck(cause);
      LOG.log(System.Logger.Level.WARNING, "upstream socket error for " + session.client, cause);
    }
  }

  /**
   * Sends a server's datagram to {@code client} from {@code vipSocket}, a socket of the virtual
   * address, counting it returned or dropped with its reason.
   */
  void returnToClient(
      Channel vipSocket,
      InetSocketAddress client,
      ByteBuf content,
      Verdict v,
      int length,
      boolean ipv6,
      Batch batch) {
    vipSocket.write(
        new DatagramPacket(content.retain(), client),
        new Accounted(vipSocket, false, v, length, ipv6));
    batch.add(vipSocket);
  }

  /**
   * Runs a server's datagram to {@code client:clientPort} through the core's return path; null when
   * the core failed on it (counted as a reply drop, logged).
   */
  @Nullable Verdict fromServer(
      ByteBuf content, InetSocketAddress server, IpAddress client, int clientPort) {
    try {
      return ipvs.processFromServer(view(content, server, client, clientPort));
    } catch (RuntimeException e) {
      stats.replyDrop("core error");
      LOG.log(System.Logger.Level.ERROR, "core failed on a datagram from server " + server, e);
      return null;
    }
  }

  /** Returns {@code client}'s session on {@code b}, or null, marking it answered now. */
  @Nullable Session answered(Binding b, InetSocketAddress client) {
    Session s = b.sessions.get(client);
    if (s != null) {
      s.answeredAt(ipvs.now());
    }
    return s;
  }

  /** The sessions a drain gave a socket of their own. */
  int kept(java.util.Collection<Binding> bindings) {
    int n = 0;
    for (Binding b : bindings) {
      for (Session s : b.sessions.values()) {
        synchronized (s) {
          n += s.ownSocket ? 1 : 0;
        }
      }
    }
    return n;
  }

  /** The clients with a session on {@code b} now. */
  List<InetSocketAddress> clients(Binding b) {
    return List.copyOf(b.sessions.keySet());
  }

  /**
   * Sends the replies of {@code client}'s session through {@code own}, a socket of the virtual
   * address connected to that client (a drain); returns whether the session was still there.
   */
  boolean replyVia(Binding b, InetSocketAddress client, Channel own) {
    Session s = b.sessions.get(client);
    if (s == null) {
      return false;
    }
    synchronized (s) {
      if (s.ownSocket || s.closed) {
        return false; // it has one already (the drain's snapshot and its hook both gave one)
      }
      s.ownSocket = true;
      s.clientSide = own;
    }
    b.channels.add(own);
    return true;
  }

  /**
   * During a drain: closes the sessions whose last datagram was a server's (nothing awaits a reply)
   * and that have been quiet for {@code idleNanos} since, with their own sockets, so that those
   * clients' next datagrams go to the other nodes. Returns the sessions left.
   */
  int releaseIdle(java.util.Collection<Binding> bindings, long idleNanos) {
    long now = ipvs.now();
    int left = 0;
    for (Binding b : bindings) {
      for (Session s : List.copyOf(b.sessions.values())) {
        if (s.answered && now - s.lastUsed >= idleNanos && b.sessions.remove(s.client, s)) {
          Channel own = s.clientSide;
          closeSession(s);
          b.channels.remove(own);
          own.close();
        } else {
          left++;
        }
      }
    }
    return left;
  }

  /** Closes sessions idle for longer than the core's UDP timeout. */
  void sweep(java.util.Collection<Binding> bindings) {
    long idle = TimeUnit.SECONDS.toNanos(ipvs.timeouts().udp());
    long now = ipvs.now();
    for (Binding b : bindings) {
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
    Channel up;
    List<Pending> queued;
    synchronized (s) { // with upstreamBound: whichever runs second closes the socket
      s.closed = true;
      up = s.upstream;
      queued = new ArrayList<>(s.pending);
      s.pending.clear();
    }
    if (up != null) {
      up.close();
    }
    dropAll(queued, "session closed");
  }

  /** Releases datagrams that will not be sent, counting each and refunding the core's counters. */
  private void dropAll(List<Pending> queued, String reason) {
    for (Pending p : queued) {
      int length = lengthOf(p);
      p.packet().release();
      stats.drop(reason);
      ipvs.notSent(p.verdict(), length, p.ipv6());
    }
  }
}
