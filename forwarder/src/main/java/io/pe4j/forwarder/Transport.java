package io.pe4j.forwarder;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.IoHandlerFactory;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.RecvByteBufAllocator;
import io.netty.channel.socket.DatagramChannel;
import org.jspecify.annotations.Nullable;

/**
 * The socket layer under the forwarder: which Netty transport carries the datagrams — its event
 * loops, its datagram channel class, its socket options ({@code SO_REUSEPORT}, batched reads,
 * {@code IP_TRANSPARENT}, the original destination). The rest of the forwarder names no transport
 * class: epoll, io_uring and NIO are its subclasses.
 */
abstract class Transport {

  /** The largest UDP payload: 65,535 less the IPv4 and UDP headers, or less UDP alone (IPv6). */
  static final int MAX_DATAGRAM = 65_536;

  /** Datagrams one batched read ({@code recvmmsg}) takes at most, where the transport has it. */
  static final int BATCHED_READS = Math.max(1, Integer.getInteger("pe4j.batchedReads", 16));

  /** The transports by name, as {@code pe4j forward --transport} takes them. */
  static final java.util.List<String> NAMES = java.util.List.of("epoll", "io_uring", "nio");

  /**
   * The best transport this host has: epoll on Linux where Netty's native library loads, or NIO.
   * (io_uring is chosen by name: it was not faster here, BENCHMARKS.md §19.)
   */
  static Transport best() {
    return EpollTransport.isAvailable() ? new EpollTransport() : new NioTransport();
  }

  /**
   * The transport of that name.
   *
   * @throws IllegalArgumentException for an unknown name, or one this host cannot run, saying why
   */
  static Transport named(String name) {
    return switch (name) {
      case "epoll" -> {
        requireAvailable(name, EpollTransport.isAvailable(), EpollTransport::unavailability);
        yield new EpollTransport();
      }
      case "io_uring" -> {
        requireAvailable(name, IoUringTransport.isAvailable(), IoUringTransport::unavailability);
        yield new IoUringTransport();
      }
      case "nio" -> new NioTransport();
      default ->
          throw new IllegalArgumentException(
              "--transport: '" + name + "' is not one of " + String.join(", ", NAMES));
    };
  }

  /** Refuses a transport this host cannot run, saying why. */
  private static void requireAvailable(
      String name, boolean available, java.util.function.Supplier<String> why) {
    if (!available) {
      throw new IllegalArgumentException(
          "--transport " + name + ": not available here (" + why.get() + ")");
    }
  }

  /** Why a native transport is unavailable, in an operator's words. */
  static String unavailability(@Nullable Throwable cause) {
    return cause == null ? "disabled" : describe(cause);
  }

  private final String name;
  private final boolean isNative;
  private final boolean sharesPorts;
  private final IoHandlerFactory handlers;
  private final Class<? extends DatagramChannel> datagramChannel;

  /**
   * @param name as {@code --transport} takes it
   * @param isNative a native transport: batched reads where it has them
   * @param sharesPorts whether several sockets may bind one address ({@code SO_REUSEPORT}): then
   *     each event loop gets a virtual socket of its own, and a drain can open sockets connected to
   *     single clients while the shared ones still serve
   * @param handlers the event loops' I/O handlers
   * @param datagramChannel its datagram channel class
   */
  Transport(
      String name,
      boolean isNative,
      boolean sharesPorts,
      IoHandlerFactory handlers,
      Class<? extends DatagramChannel> datagramChannel) {
    this.name = name;
    this.isNative = isNative;
    this.sharesPorts = sharesPorts;
    this.handlers = handlers;
    this.datagramChannel = datagramChannel;
  }

  /** Returns the transport's name: {@code epoll}, {@code io_uring}, {@code nio}. */
  final String name() {
    return name;
  }

  /** Whether it is a native transport (epoll, io_uring). */
  final boolean isNative() {
    return isNative;
  }

  /** Returns new event loops, {@code threads} of them. */
  final EventLoopGroup newGroup(int threads) {
    return new MultiThreadIoEventLoopGroup(threads, handlers);
  }

  /** Returns the datagram channel class. */
  final Class<? extends DatagramChannel> datagramChannel() {
    return datagramChannel;
  }

  /** Whether several sockets may bind one address ({@code SO_REUSEPORT}); see the constructor. */
  final boolean sharesPorts() {
    return sharesPorts;
  }

  /** Sets a virtual-service socket's options: buffers, port sharing, batched whole reads. */
  abstract Bootstrap virtualSocket(Bootstrap b);

  /**
   * Sets an upstream socket's options; {@code clientAddress}: it binds the client's own address
   * (transparent mode), which needs {@code IP_TRANSPARENT}.
   */
  abstract Bootstrap upstreamSocket(Bootstrap b, boolean clientAddress);

  /**
   * Sets the options of a socket on the TPROXY port of transparent mode: one per event loop, on
   * every address. A transport without transparent mode refuses, saying why.
   */
  Bootstrap tproxySocket(Bootstrap b) {
    throw new IllegalStateException(String.valueOf(transparentUnsupported()));
  }

  /**
   * Makes a bound TPROXY socket transparent ({@code IP_TRANSPARENT}, {@code IP_RECVORIGDSTADDR}).
   *
   * @throws IllegalStateException saying what is missing (the privilege, the kernel's support, the
   *     transport)
   */
  void makeTransparent(Channel tproxy) {
    throw new IllegalStateException(String.valueOf(transparentUnsupported()));
  }

  /** Why transparent mode cannot run on this transport, or null when it can. */
  abstract @Nullable String transparentUnsupported();

  /**
   * Receive buffers of {@code slots} whole datagrams (64 KiB each; several slots are filled by one
   * batched read where the transport has it), read until the socket is empty or 64 reads were made
   * in one wake-up: Netty's default stops after a datagram that did not fill its buffer, which for
   * datagrams is every one, and costs a wake-up per datagram.
   */
  static RecvByteBufAllocator wholeDatagrams(int slots) {
    FixedRecvByteBufAllocator a = new FixedRecvByteBufAllocator(slots * MAX_DATAGRAM);
    a.respectMaybeMoreData(false);
    a.maxMessagesPerRead(64);
    return a;
  }

  /** The options every upstream socket has, whatever the transport. */
  static Bootstrap upstreamBuffers(Bootstrap b) {
    return b.option(ChannelOption.SO_RCVBUF, 1 << 20)
        .option(ChannelOption.RCVBUF_ALLOCATOR, wholeDatagrams(1));
  }

  /** The options every virtual-service socket has, whatever the transport. */
  static Bootstrap buffers(Bootstrap b) {
    return b.option(ChannelOption.SO_RCVBUF, 4 << 20).option(ChannelOption.SO_SNDBUF, 4 << 20);
  }

  /** A socket error in an operator's words: what to do about the common ones. */
  static String describe(@Nullable Throwable t) {
    if (t == null) {
      return "unknown error";
    }
    String m = t.getMessage() == null ? t.getClass().getSimpleName() : t.getMessage();
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
}
