package io.pe4j.forwarder;

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
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
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * A NAT-mode UDP forwarder that routes with a pe4j core: it binds every UDP virtual service of the
 * core, forwards each client datagram to the real server the core chooses from a per-client
 * upstream socket, and sends what that server returns (replies and server-originated requests
 * alike, through the core's {@link Ipvs#processFromServer}) back to the client from the virtual
 * address.
 *
 * <pre>{@code
 * Ipvs ipvs = Ipvs.builder().build();
 * ipvs.ipvsadm(List.of("-R"), Files.readString(rules));
 * try (Forwarder f = Forwarder.builder(ipvs).threads(2).build().start()) {
 *   ...
 * }
 * }</pre>
 *
 * <p>Uses epoll with {@code SO_REUSEPORT} (one socket per thread on each virtual service) when
 * available, NIO otherwise. Client sessions expire after the core's UDP timeout ({@code --set}) and
 * are bounded in number; a datagram that would need one more is dropped and counted.
 *
 * <p><b>Note:</b> a user-space forwarder cannot send with a real server's source address, so a
 * server datagram that IPVS would let leave un-NATed (no Call-ID) is still sent from the virtual
 * address, to the client of its session; it is counted as {@code "returned without key"}.
 */
public final class Forwarder implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder");

  private final Ipvs ipvs;
  private final int threads;
  private final int maxSessions;
  private final boolean epoll;
  private final EventLoopGroup group;
  private final Class<? extends DatagramChannel> channelClass;
  private final List<Channel> vipChannels = new ArrayList<>();
  private final ConcurrentHashMap<InetSocketAddress, Session> sessions = new ConcurrentHashMap<>();
  private final ConcurrentHashMap<Verdict, InetSocketAddress> targets = new ConcurrentHashMap<>();
  private final ForwarderStats stats = new ForwarderStats();
  private final ThreadLocal<Datagram> scratch = ThreadLocal.withInitial(Datagram::new);

  private Forwarder(Builder b) {
    this.ipvs = b.ipvs;
    this.threads = b.threads;
    this.maxSessions = b.maxSessions;
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

    /** Bounds the client sessions (default 65,536). */
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
    for (VirtualService svc : ipvs.services()) {
      if (svc.protocol() != Protocol.UDP || svc.fwmark() != 0 || svc.port() == 0) {
        LOG.log(
            System.Logger.Level.WARNING,
            "not binding {0}: only UDP services with an address and port can be",
            svc);
        continue;
      }
      InetSocketAddress vip = new InetSocketAddress(svc.address().toInetAddress(), svc.port());
      int sockets = epoll ? threads : 1;
      for (int i = 0; i < sockets; i++) {
        Bootstrap b =
            new Bootstrap()
                .group(group)
                .channel(channelClass)
                .option(ChannelOption.SO_RCVBUF, 4 << 20)
                .option(ChannelOption.SO_SNDBUF, 4 << 20)
                .handler(new ClientSide(vip));
        if (epoll) {
          b.option(EpollChannelOption.SO_REUSEPORT, true);
        }
        try {
          vipChannels.add(b.bind(vip).sync().channel());
        } catch (InterruptedException e) {
          Thread.currentThread().interrupt();
          throw new IllegalStateException("interrupted binding " + svc, e);
        } catch (RuntimeException e) {
          close();
          throw new IllegalStateException(
              "cannot bind " + svc + " on " + vip + ": " + e.getMessage(), e);
        }
      }
    }
    group.next().scheduleAtFixedRate(this::sweep, 1, 1, TimeUnit.SECONDS);
    return this;
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

  /**
   * The datagrams of one client: an upstream socket and the virtual-service socket it came in on.
   */
  private final class Session {
    final InetSocketAddress client;
    final InetSocketAddress vip;
    final Channel clientSide;
    volatile @Nullable Channel upstream;
    volatile long lastUsed = System.nanoTime();
    final List<DatagramPacket> pending = new ArrayList<>(2);

    Session(InetSocketAddress client, InetSocketAddress vip, Channel clientSide) {
      this.client = client;
      this.vip = vip;
      this.clientSide = clientSide;
    }
  }

  /** Datagrams from clients to a virtual service. */
  private final class ClientSide extends SimpleChannelInboundHandler<DatagramPacket> {
    private final InetSocketAddress vip;
    private final IpAddress vipAddress;

    ClientSide(InetSocketAddress vip) {
      this.vip = vip;
      this.vipAddress = IpAddress.of(vip.getAddress());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      stats.clientDatagrams.increment();
      InetSocketAddress sender = packet.sender();
      ByteBuf content = packet.content();
      ByteBuffer nio = content.nioBuffer(content.readerIndex(), content.readableBytes());
      Datagram d =
          scratch
              .get()
              .set(
                  Protocol.UDP,
                  IpAddress.of(sender.getAddress()),
                  sender.getPort(),
                  vipAddress,
                  vip.getPort())
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
            v.kind() == Verdict.Kind.DROP
                ? v.reason()
                : v.kind().name().toLowerCase(java.util.Locale.ROOT));
        return;
      }
      Session s = session(sender, ctx.channel());
      if (s == null) {
        stats.drop("sessions full");
        return;
      }
      s.lastUsed = System.nanoTime();
      send(s, new DatagramPacket(content.retain(), target(v)));
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.log(System.Logger.Level.WARNING, "client-side socket error on " + vip, cause);
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

  private @Nullable Session session(InetSocketAddress client, Channel clientSide) {
    Session s = sessions.get(client);
    if (s != null) {
      return s;
    }
    if (sessions.size() >= maxSessions) {
      return null;
    }
    InetSocketAddress vip = (InetSocketAddress) clientSide.localAddress();
    Session fresh = new Session(client, vip, clientSide);
    Session raced = sessions.putIfAbsent(client, fresh);
    if (raced != null) {
      return raced;
    }
    stats.sessionsOpened.increment();
    InetAddress local = vip.getAddress().isAnyLocalAddress() ? null : vip.getAddress();
    new Bootstrap()
        .group(clientSide.eventLoop())
        .channel(channelClass)
        .option(ChannelOption.SO_RCVBUF, 1 << 20)
        .handler(new ServerSide(fresh))
        .bind(local == null ? new InetSocketAddress(0) : new InetSocketAddress(local, 0))
        .addListener(
            f -> {
              List<DatagramPacket> queued;
              synchronized (fresh) {
                if (f.isSuccess()) {
                  fresh.upstream = ((io.netty.channel.ChannelFuture) f).channel();
                }
                queued = new ArrayList<>(fresh.pending);
                fresh.pending.clear();
              }
              Channel up = fresh.upstream;
              for (DatagramPacket p : queued) {
                if (up != null) {
                  up.writeAndFlush(p);
                  stats.forwarded.increment();
                } else {
                  p.release();
                  stats.drop("upstream bind failed");
                }
              }
            });
    return fresh;
  }

  private void send(Session s, DatagramPacket p) {
    Channel up = s.upstream;
    if (up == null) {
      synchronized (s) {
        up = s.upstream;
        if (up == null) {
          if (s.pending.size() < 64) {
            s.pending.add(p);
          } else {
            p.release();
            stats.drop("upstream not ready");
          }
          return;
        }
      }
    }
    up.writeAndFlush(p);
    stats.forwarded.increment();
  }

  /** Datagrams from real servers, on a client's upstream socket. */
  private final class ServerSide extends SimpleChannelInboundHandler<DatagramPacket> {
    private final Session session;
    private final IpAddress clientAddress;
    private final IpAddress vipAddress;

    ServerSide(Session session) {
      this.session = session;
      this.clientAddress = IpAddress.of(session.client.getAddress());
      this.vipAddress = IpAddress.of(session.vip.getAddress());
    }

    @Override
    protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
      stats.serverDatagrams.increment();
      session.lastUsed = System.nanoTime();
      InetSocketAddress server = packet.sender();
      ByteBuf content = packet.content();
      ByteBuffer nio = content.nioBuffer(content.readerIndex(), content.readableBytes());
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
        stats.drop("core error");
        LOG.log(System.Logger.Level.ERROR, "core failed on a datagram from server " + server, e);
        return;
      }
      if (v.kind() != Verdict.Kind.OUT || !vipAddress.equals(v.address())) {
        stats.drop("returned without key"); // counted; still returned to the session's client
      }
      session.clientSide.writeAndFlush(new DatagramPacket(content.retain(), session.client));
      stats.returned.increment();
    }

    @Override
    public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
      LOG.log(System.Logger.Level.WARNING, "upstream socket error for " + session.client, cause);
    }
  }

  /** Closes sessions idle for longer than the core's UDP timeout. */
  private void sweep() {
    long idle = TimeUnit.SECONDS.toNanos(ipvs.udpTimeout());
    long now = System.nanoTime();
    sessions
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

  private void closeSession(Session s) {
    stats.sessionsClosed.increment();
    Channel up = s.upstream;
    if (up != null) {
      up.close();
    }
    synchronized (s) {
      s.pending.forEach(DatagramPacket::release);
      s.pending.clear();
    }
  }

  /** Closes every socket and stops the threads; waits up to 5 s. */
  @Override
  public void close() {
    for (Channel c : vipChannels) {
      c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
    }
    vipChannels.clear();
    sessions.values().forEach(this::closeSession);
    sessions.clear();
    group.shutdownGracefully(0, 1, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
  }
}
