package io.pe4j.forwarder;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelOption;
import io.netty.channel.nio.NioIoHandler;
import io.netty.channel.socket.nio.NioDatagramChannel;
import org.jspecify.annotations.Nullable;

/**
 * Netty's NIO transport, on any platform: one socket per virtual address (no {@code SO_REUSEPORT}),
 * one datagram per read, no transparent mode.
 */
final class NioTransport extends Transport {

  NioTransport() {
    super("nio", false, false, NioIoHandler.newFactory(), NioDatagramChannel.class);
  }

  @Override
  Bootstrap virtualSocket(Bootstrap b) {
    return buffers(b).option(ChannelOption.RCVBUF_ALLOCATOR, wholeDatagrams(1));
  }

  @Override
  Bootstrap upstreamSocket(Bootstrap b, boolean clientAddress) {
    return upstreamBuffers(b);
  }

  @Override
  @Nullable String transparentUnsupported() {
    return "transparent mode needs Linux with Netty's epoll transport ("
        + (EpollTransport.isAvailable() ? "disabled" : EpollTransport.unavailability())
        + ")";
  }
}
