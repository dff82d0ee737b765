package io.pe4j.forwarder;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelException;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.Epoll;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollDatagramChannelConfig;
import io.netty.channel.epoll.EpollIoHandler;
import java.net.InetSocketAddress;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Netty's epoll transport: {@code SO_REUSEPORT} (a virtual socket per event loop), {@code recvmmsg}
 * into 64 KiB slots, {@code IP_TRANSPARENT} and {@code IP_RECVORIGDSTADDR}.
 */
final class EpollTransport extends Transport {

  EpollTransport() {
    super("epoll", true, true, EpollIoHandler.newFactory(), EpollDatagramChannel.class);
  }

  static boolean isAvailable() {
    return Epoll.isAvailable();
  }

  /** Why epoll is unavailable here, in an operator's words. */
  static String unavailability() {
    return unavailability(Epoll.unavailabilityCause());
  }

  /**
   * Opens a UDP socket on 127.0.0.1 and sets {@code IP_TRANSPARENT} and {@code IP_RECVORIGDSTADDR}
   * on it: null when this process may, or what failed.
   */
  static @Nullable String transparentSocketProblem() {
    EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    try {
      ChannelFuture f =
          new Bootstrap()
              .group(group)
              .channel(EpollDatagramChannel.class)
              .handler(new ChannelInboundHandlerAdapter())
              .bind(new InetSocketAddress("127.0.0.1", 0))
              .awaitUninterruptibly();
      if (!f.isSuccess()) {
        return "no UDP socket: " + describe(f.cause());
      }
      EpollDatagramChannel ch = (EpollDatagramChannel) f.channel();
      try {
        ch.config().setIpTransparent(true);
        ch.config().setOption(EpollChannelOption.IP_RECVORIGDSTADDR, true);
        return null;
      } catch (RuntimeException e) {
        return "cannot be set (" + describe(e) + ")";
      } finally {
        ch.close().awaitUninterruptibly();
      }
    } finally {
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly(5, TimeUnit.SECONDS);
    }
  }

  /**
   * Sends one datagram to the Unix datagram socket at {@code path} (a leading {@code @}: the
   * abstract namespace) from an unbound socket on {@code group}'s loop; waits up to a second.
   *
   * @throws java.io.IOException saying why it was not sent
   */
  static void sendToUnixSocket(EventLoopGroup group, String path, byte[] data)
      throws java.io.IOException {
    ChannelFuture registered =
        new Bootstrap()
            .group(group)
            .channel(io.netty.channel.epoll.EpollDomainDatagramChannel.class)
            .option(ChannelOption.DATAGRAM_CHANNEL_ACTIVE_ON_REGISTRATION, true) // sendto, unbound
            .handler(new ChannelInboundHandlerAdapter())
            .register()
            .awaitUninterruptibly();
    if (!registered.isSuccess()) {
      throw new java.io.IOException("no Unix datagram socket: " + describe(registered.cause()));
    }
    Channel ch = registered.channel();
    try {
      String native_ = path.startsWith("@") ? "\0" + path.substring(1) : path;
      ChannelFuture sent =
          ch.writeAndFlush(
              new io.netty.channel.unix.DomainDatagramPacket(
                  io.netty.buffer.Unpooled.wrappedBuffer(data),
                  new io.netty.channel.unix.DomainSocketAddress(native_)));
      if (!sent.awaitUninterruptibly(1, TimeUnit.SECONDS) || !sent.isSuccess()) {
        throw new java.io.IOException(
            path + ": " + (sent.cause() == null ? "not sent within 1 s" : describe(sent.cause())));
      }
    } finally {
      ch.close().awaitUninterruptibly(1, TimeUnit.SECONDS);
    }
  }

  @Override
  Bootstrap virtualSocket(Bootstrap b) {
    return buffers(b)
        .option(EpollChannelOption.SO_REUSEPORT, true)
        // recvmmsg: up to BATCHED_READS whole datagrams per system call, each in a 64 KiB slot
        .option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM)
        .option(ChannelOption.RCVBUF_ALLOCATOR, wholeDatagrams(BATCHED_READS));
  }

  @Override
  Bootstrap upstreamSocket(Bootstrap b, boolean clientAddress) {
    upstreamBuffers(b);
    if (clientAddress) { // the client's own address and port, not on this host
      b.option(EpollChannelOption.IP_TRANSPARENT, true).option(ChannelOption.SO_REUSEADDR, true);
    }
    return b;
  }

  @Override
  Bootstrap tproxySocket(Bootstrap b) {
    return b.option(ChannelOption.SO_RCVBUF, 4 << 20)
        .option(ChannelOption.SO_REUSEADDR, true)
        .option(EpollChannelOption.SO_REUSEPORT, true)
        .option(ChannelOption.RCVBUF_ALLOCATOR, wholeDatagrams(1));
  }

  @Override
  void makeTransparent(Channel tproxy) {
    EpollDatagramChannelConfig config = ((EpollDatagramChannel) tproxy).config();
    try {
      config.setIpTransparent(true);
      config.setOption(EpollChannelOption.IP_RECVORIGDSTADDR, true);
    } catch (ChannelException e) {
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

  @Override
  @Nullable String transparentUnsupported() {
    return null;
  }
}
