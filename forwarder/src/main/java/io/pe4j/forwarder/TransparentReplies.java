package io.pe4j.forwarder;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.pe4j.api.IpAddress;
import io.pe4j.core.Ipvs;
import io.pe4j.core.Verdict;
import java.net.InetSocketAddress;
import java.util.Collection;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * Transparent mode's return path: servers send to the client's own address, their gateway (this
 * host) hands those datagrams to this socket through a TPROXY rule, and the socket learns each
 * one's original destination ({@code IP_RECVORIGDSTADDR}). Each goes through the core's {@link
 * Ipvs#processFromServer} (conn_out) and leaves for the client from the virtual address of its
 * connection, as IPVS NAT rewrites the source of a reply.
 */
final class TransparentReplies extends SimpleChannelInboundHandler<DatagramPacket> {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder");

  private final CoreCalls core;
  private final Sessions sessions;
  private final Sending sending;
  private final ForwarderStats stats;
  private final Bindings bindings;
  private final Sending.Batch batch = new Sending.Batch(Sending.Batch.TO_CLIENTS);

  TransparentReplies(
      CoreCalls core, Sessions sessions, Sending sending, ForwarderStats stats, Bindings bindings) {
    this.core = core;
    this.sessions = sessions;
    this.sending = sending;
    this.stats = stats;
    this.bindings = bindings;
  }

  /**
   * Binds the TPROXY sockets of transparent mode, one per thread ({@code SO_REUSEPORT}), on every
   * address of {@code port}, each with a handler of its own; refuses, saying what is missing,
   * without epoll or without the privilege to set {@code IP_TRANSPARENT}.
   */
  static java.util.List<Channel> bind(
      Transport transport,
      io.netty.channel.EventLoopGroup group,
      int threads,
      int port,
      java.util.function.Supplier<TransparentReplies> handler) {
    String unsupported = transport.transparentUnsupported();
    if (unsupported != null) {
      throw new IllegalStateException(unsupported);
    }
    java.util.List<Channel> bound = new java.util.ArrayList<>();
    for (int i = 0; i < threads; i++) {
      io.netty.channel.ChannelFuture f =
          transport
              .tproxySocket(
                  new io.netty.bootstrap.Bootstrap()
                      .group(group)
                      .channel(transport.datagramChannel()))
              .handler(handler.get())
              .bind(new InetSocketAddress(port))
              .awaitUninterruptibly();
      if (!f.isSuccess()) {
        bound.forEach(Channel::close);
        throw new IllegalStateException(
            "transparent mode: cannot bind the TPROXY port "
                + port
                + ": "
                + Transport.describe(f.cause()),
            f.cause());
      }
      bound.add(f.channel());
      try {
        transport.makeTransparent(f.channel());
      } catch (RuntimeException e) { // no privilege: nothing stays bound
        bound.forEach(Channel::close);
        throw e;
      }
    }
    LOG.log(
        System.Logger.Level.INFO,
        "transparent mode: servers see clients'' addresses; replies expected on TPROXY port {0}",
        String.valueOf(port));
    return bound;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    stats.serverDatagrams.increment();
    InetSocketAddress server = packet.sender();
    InetSocketAddress client = packet.recipient(); // the original destination
    if (server == null || client == null || client.getAddress().isAnyLocalAddress()) {
      stats.replyDrop("transparent: no original destination (IP_RECVORIGDSTADDR)");
      return;
    }
    ByteBuf content = packet.content();
    int length = content.readableBytes();
    boolean ipv6 = client.getAddress() instanceof java.net.Inet6Address;
    Verdict v =
        core.fromServer(content, server, IpAddress.of(client.getAddress()), client.getPort());
    if (v == null) {
      return;
    }
    Sessions.Binding binding = null;
    if (v.kind() == Verdict.Kind.OUT) {
      // not sending.target(v): an un-NATed OUT verdict is a new object per datagram and would fill
      // that cache
      binding =
          bindings.get(
              new InetSocketAddress(Objects.requireNonNull(v.address()).toInetAddress(), v.port()));
    }
    if (binding == null) {
      // no connection (or one of a service no longer bound): the client's session says where it
      // sent from, as the full-NAT path does; without one the datagram has nowhere to go
      binding = sessionHolder(bindings.all(), client);
      if (binding == null) {
        stats.replyDrop("transparent: no connection or session for the client");
        return;
      }
      stats.returnedWithoutKey.increment();
    }
    Sessions.Session s = sessions.answered(binding, client);
    Channel vipSocket = s != null ? s.clientSide : first(binding);
    if (vipSocket == null) {
      stats.replyDrop("transparent: virtual address not bound");
      return;
    }
    sending.toClient(vipSocket, client, content, v, length, ipv6, batch);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    batch.flush();
  }

  private Sessions.@Nullable Binding sessionHolder(
      Collection<Sessions.Binding> all, InetSocketAddress client) {
    for (Sessions.Binding b : all) {
      if (b.sessions.containsKey(client)) {
        return b;
      }
    }
    return null;
  }

  private static @Nullable Channel first(Sessions.Binding b) {
    for (Channel c : b.channels) {
      if (c.isActive()) {
        return c;
      }
    }
    return null;
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    core.fatalCheck(cause);
    LOG.log(System.Logger.Level.WARNING, "transparent reply socket error", cause);
  }
}
