package io.pe4j.forwarder;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.unix.UnixChannelOption;
import io.netty.channel.uring.IoUring;
import io.netty.channel.uring.IoUringDatagramChannel;
import io.netty.channel.uring.IoUringIoHandler;
import org.jspecify.annotations.Nullable;

/**
 * Netty's io_uring transport (Linux 5.14 and later, io_uring not disabled): {@code SO_REUSEPORT} (a
 * virtual socket per event loop), submissions and completions through the rings instead of a system
 * call per read and write. It has no {@code IP_RECVORIGDSTADDR}, so transparent mode is refused
 * with the transport that has it.
 */
final class IoUringTransport extends Transport {

  IoUringTransport() {
    super("io_uring", true, true, IoUringIoHandler.newFactory(), IoUringDatagramChannel.class);
  }

  static boolean isAvailable() {
    return IoUring.isAvailable();
  }

  /** Why io_uring is unavailable here, in an operator's words. */
  static String unavailability() {
    return unavailability(IoUring.unavailabilityCause());
  }

  @Override
  Bootstrap virtualSocket(Bootstrap b) {
    return buffers(b)
        .option(UnixChannelOption.SO_REUSEPORT, true)
        .option(ChannelOption.RCVBUF_ALLOCATOR, wholeDatagrams(1));
  }

  @Override
  Bootstrap upstreamSocket(Bootstrap b, boolean clientAddress) {
    if (clientAddress) {
      throw new IllegalStateException(String.valueOf(transparentUnsupported()));
    }
    return upstreamBuffers(b);
  }

  @Override
  @Nullable String transparentUnsupported() {
    return "transparent mode needs the original destination of each TPROXY datagram"
        + " (IP_RECVORIGDSTADDR), which Netty's io_uring transport does not give: use --transport"
        + " epoll";
  }
}
