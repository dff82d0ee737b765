package io.pe4j.forwarder;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelFutureListener;
import io.netty.channel.ChannelHandler;
import io.netty.channel.socket.DatagramPacket;
import io.pe4j.api.IpAddress;
import io.pe4j.core.Ipvs;
import io.pe4j.core.Verdict;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The session table: per virtual service and client address and port, the upstream socket its
 * datagrams leave from (bound to an ephemeral port of this host, or in transparent mode to the
 * client's own address and port) and the datagrams waiting for it to open. Bounded in number;
 * expiring with the core's UDP timeout.
 */
final class Sessions {

  private static final int MAX_PENDING = 64;

  private final Ipvs ipvs;
  private final ForwarderStats stats;
  private final Sending sending;
  private final Transport transport;
  private final int maxSessions;
  private final boolean transparent;
  private final @Nullable InetAddress sourceAddress; // full NAT's own source, or the VIP
  private final Function<Session, ChannelHandler> upstreamHandler;
  private final CoreCalls core;
  private final AtomicInteger count = new AtomicInteger();

  Sessions(
      Ipvs ipvs,
      ForwarderStats stats,
      Sending sending,
      CoreCalls core,
      Transport transport,
      int maxSessions,
      boolean transparent,
      @Nullable InetAddress sourceAddress,
      Function<Session, ChannelHandler> upstreamHandler) {
    this.ipvs = ipvs;
    this.stats = stats;
    this.sending = sending;
    this.core = core;
    this.transport = transport;
    this.maxSessions = maxSessions;
    this.transparent = transparent;
    this.sourceAddress = sourceAddress;
    this.upstreamHandler = upstreamHandler;
  }

  /** Returns the number of sessions open now. */
  int count() {
    return count.get();
  }

  /** A bound virtual service: its sockets and the sessions of its clients. */
  final class Binding {
    final InetSocketAddress vip;
    final String name;
    final IpAddress vipAddress;
    final List<Channel> channels = new CopyOnWriteArrayList<>();
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
      sessions.values().forEach(Sessions.this::close);
    }
  }

  /** Returns a binding for a virtual service, with no socket yet. */
  Binding binding(InetSocketAddress vip, String name) {
    return new Binding(vip, name);
  }

  /** A datagram waiting for its session's upstream socket. */
  private record Pending(DatagramPacket packet, Verdict verdict, boolean ipv6) {}

  /** The datagrams of one client of one virtual service. */
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

  /**
   * Returns {@code client}'s session on {@code binding}, opened now (its upstream socket binding)
   * if it had none; null when the table is full.
   */
  @Nullable Session open(Binding binding, InetSocketAddress client, Channel clientSide) {
    Session s = binding.sessions.get(client);
    if (s != null) {
      return s;
    }
    if (count.incrementAndGet() > maxSessions) {
      count.decrementAndGet();
      return null;
    }
    Session fresh = new Session(binding, client, clientSide);
    Session raced = binding.sessions.putIfAbsent(client, fresh);
    if (raced != null) {
      count.decrementAndGet();
      return raced;
    }
    stats.sessionsOpened.increment();
    InetAddress local =
        sourceAddress != null
            ? sourceAddress
            : binding.vip.getAddress().isAnyLocalAddress() ? null : binding.vip.getAddress();
    Bootstrap upstream =
        transport
            .upstreamSocket(
                new Bootstrap().group(clientSide.eventLoop()).channel(transport.datagramChannel()),
                transparent)
            .handler(upstreamHandler.apply(fresh));
    ChannelFuture bound =
        transparent
            ? upstream.bind(client)
            : upstream.bind(
                local == null ? new InetSocketAddress(0) : new InetSocketAddress(local, 0));
    bound.addListener((ChannelFutureListener) f -> upstreamBound(fresh, f));
    return fresh;
  }

  /** Returns {@code client}'s session on {@code b}, or null, marking it answered now. */
  @Nullable Session answered(Binding b, InetSocketAddress client) {
    Session s = b.sessions.get(client);
    if (s != null) {
      s.answeredAt(ipvs.now());
    }
    return s;
  }

  /** Sends a client's datagram from its session's upstream socket, or queues it until it opens. */
  void send(Session s, DatagramPacket p, Verdict v, boolean ipv6, Sending.Batch batch) {
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
    sending.toServer(up, p, v, ipv6, batch);
  }

  private void upstreamBound(Session s, ChannelFuture f) {
    List<Pending> queued;
    boolean closed;
    synchronized (s) {
      if (f.isSuccess()) {
        s.upstream = f.channel();
      } else {
        s.failure = "upstream socket failed: " + Transport.describe(f.cause());
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
        count.decrementAndGet();
        stats.sessionsClosed.increment();
      }
      dropAll(queued, reason);
      core.warnAtMostOncePerSecond(reason + " (client " + s.client + ")");
      return;
    }
    if (closed) { // closed while the socket was being opened (nothing was queued then)
      up.close();
      return;
    }
    for (Pending p : queued) {
      sending.toServer(up, p.packet(), p.verdict(), p.ipv6(), null);
    }
  }

  /** Closes sessions idle for longer than the core's UDP timeout. */
  void sweep(Collection<Binding> bindings) {
    long idle = TimeUnit.SECONDS.toNanos(ipvs.timeouts().udp());
    long now = ipvs.now();
    for (Binding b : bindings) {
      b.sessions
          .values()
          .removeIf(
              s -> {
                if (now - s.lastUsed > idle) {
                  close(s);
                  return true;
                }
                return false;
              });
    }
  }

  /** Closes a session (removed from its binding by the caller) and drops what waited on it. */
  void close(Session s) {
    count.decrementAndGet();
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
      int length = p.packet().content().readableBytes();
      p.packet().release();
      sending.notSent(reason, p.verdict(), length, p.ipv6());
    }
  }
}
