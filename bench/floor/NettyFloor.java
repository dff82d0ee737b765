// The floor of a UDP relay on the JVM with Netty, as bench/floor/relay.c is the floor in C: the
// platform pe4j's forwarder stands on, with its socket settings (epoll, SO_REUSEPORT, 4 MiB
// buffers, recvmmsg of up to 16 whole datagrams into 64 KiB slots, up to 64 reads a wake-up) and
// its batching (writes flushed when a read burst ends), but no pe4j code: find "Call-ID: ", hash
// the value (FNV-1a, as relay.c), write the datagram to one of the sinks. No table, no core, no
// counters, no per-datagram promise (the void promise).
//
// With -n, full NAT as `relay -n` and pe4j: each client gets its own upstream socket on an
// ephemeral port of 127.0.0.1, opened on its first datagram; what a server sends to that socket
// (SIP responses, its own requests) goes back to the client from the listening socket, flushed
// when the upstream socket's read burst ends — pe4j's return path, without its core. That is
// the Netty floor bench/forwarder-vs-kamailio.sh runs under SIPp (balancer "netty").
//
// With -u, on Netty's io_uring transport instead of epoll (as `pe4j forward --transport io_uring`:
// SO_REUSEPORT, one whole datagram per completion — no recvmmsg there).
//
// Run from the repository with the command's jar (it holds Netty and its native libraries):
//   java -cp cli/target/pe4j.jar bench/floor/NettyFloor.java [-u] [-n] PORT SINK_PORT...
// bench/floor/oneway.sh runs it as the balancers "netty", "netty-nat" and "netty-uring".

import io.netty.bootstrap.Bootstrap;
import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.ChannelInboundHandlerAdapter;
import io.netty.channel.ChannelOption;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.FixedRecvByteBufAllocator;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.epoll.EpollChannelOption;
import io.netty.channel.epoll.EpollDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.socket.DatagramPacket;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;

public final class NettyFloor {

  private static final int MAX_DATAGRAM = 65_536;
  private static final byte[] CALL_ID = "Call-ID: ".getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  public static void main(String[] args) throws Exception {
    boolean uring = args.length > 0 && args[0].equals("-u");
    if (uring) {
      args = java.util.Arrays.copyOfRange(args, 1, args.length);
    }
    boolean nat = args.length > 0 && args[0].equals("-n");
    int first = nat ? 1 : 0;
    if (args.length - first < 2) {
      System.err.println("usage: NettyFloor [-u] [-n] PORT SINK_PORT...");
      System.exit(2);
    }
    InetAddress lo = InetAddress.getLoopbackAddress();
    int port = Integer.parseInt(args[first]);
    InetSocketAddress[] sinks = new InetSocketAddress[args.length - first - 1];
    for (int i = 0; i < sinks.length; i++) {
      sinks[i] = new InetSocketAddress(lo, Integer.parseInt(args[first + 1 + i]));
    }
    EventLoopGroup group =
        new MultiThreadIoEventLoopGroup(
            1,
            uring
                ? io.netty.channel.uring.IoUringIoHandler.newFactory()
                : EpollIoHandler.newFactory());
    Class<? extends io.netty.channel.socket.DatagramChannel> channel =
        uring ? io.netty.channel.uring.IoUringDatagramChannel.class : EpollDatagramChannel.class;
    FixedRecvByteBufAllocator slots = wholeDatagrams(uring ? 1 : Integer.getInteger("slots", 16));
    FixedRecvByteBufAllocator oneSlot = wholeDatagrams(1);
    Bootstrap upstream = // the forwarder's upstream sockets' settings
        new Bootstrap()
            .group(group)
            .channel(channel)
            .option(ChannelOption.SO_SNDBUF, 4 << 20)
            .option(ChannelOption.SO_RCVBUF, 1 << 20)
            .option(ChannelOption.RCVBUF_ALLOCATOR, oneSlot)
            .handler(new Discard()); // per client, with -n: Back
    Bootstrap vip =
        new Bootstrap()
            .group(group)
            .channel(channel)
            .option(ChannelOption.SO_RCVBUF, 4 << 20)
            .option(ChannelOption.SO_SNDBUF, 4 << 20)
            .option(io.netty.channel.unix.UnixChannelOption.SO_REUSEPORT, true);
    if (!uring) { // recvmmsg into 64 KiB slots
      vip.option(EpollChannelOption.MAX_DATAGRAM_PAYLOAD_SIZE, MAX_DATAGRAM);
    }
    vip.option(ChannelOption.RCVBUF_ALLOCATOR, slots)
        .option(
            ChannelOption.ALLOCATOR,
            Boolean.getBoolean("pooled")
                ? io.netty.buffer.PooledByteBufAllocator.DEFAULT
                : io.netty.buffer.ByteBufAllocator.DEFAULT)
        .handler(new Relay(nat, sinks, upstream, lo))
        .bind(lo, port)
        .sync();
    System.out.println("ready");
    System.out.flush();
    Thread.currentThread().join();
  }

  /** As the forwarder's: whole datagrams in 64 KiB slots, read until the socket is empty. */
  private static FixedRecvByteBufAllocator wholeDatagrams(int slots) {
    FixedRecvByteBufAllocator a = new FixedRecvByteBufAllocator(slots * MAX_DATAGRAM);
    a.respectMaybeMoreData(false);
    a.maxMessagesPerRead(64);
    return a;
  }

  /** The upstream sockets' handler: nothing comes back in this benchmark; anything is released. */
  @io.netty.channel.ChannelHandler.Sharable
  private static final class Discard extends ChannelInboundHandlerAdapter {
    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      io.netty.util.ReferenceCountUtil.release(msg);
    }
  }

  /** A client's upstream socket's handler with -n: the servers' datagrams back to the client. */
  private static final class Back extends ChannelInboundHandlerAdapter {
    private final Channel vip;
    private final InetSocketAddress client;
    private boolean written;

    Back(Channel vip, InetSocketAddress client) {
      this.vip = vip;
      this.client = client;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      DatagramPacket in = (DatagramPacket) msg;
      vip.write(new DatagramPacket(in.content(), client), vip.voidPromise());
      written = true;
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      if (written) {
        vip.flush();
        written = false;
      }
    }
  }

  /** A client's upstream socket, and what it sent before the socket was bound. */
  private static final class Client {
    Channel channel;
    boolean bound;
    final List<DatagramPacket> waiting = new ArrayList<>(2);
  }

  private static final class Relay extends ChannelInboundHandlerAdapter {
    private final boolean nat;
    private final InetSocketAddress[] sinks;
    private final Bootstrap upstream;
    private final InetAddress lo;
    private final Map<InetSocketAddress, Client> clients = new HashMap<>();
    private final List<Channel> pending = new ArrayList<>();

    Relay(boolean nat, InetSocketAddress[] sinks, Bootstrap upstream, InetAddress lo) {
      this.nat = nat;
      this.sinks = sinks;
      this.upstream = upstream;
      this.lo = lo;
    }

    @Override
    public void channelRead(ChannelHandlerContext ctx, Object msg) {
      DatagramPacket in = (DatagramPacket) msg;
      ByteBuf c = in.content();
      int h = callIdHash(c);
      DatagramPacket out = new DatagramPacket(c, sinks[Integer.remainderUnsigned(h, sinks.length)]);
      Channel via = ctx.channel();
      if (nat) {
        Client client = clients.get(in.sender());
        if (client == null) {
          Client fresh = new Client();
          clients.put(in.sender(), fresh);
          ChannelFuture f =
              upstream.clone().handler(new Back(ctx.channel(), in.sender())).bind(lo, 0);
          fresh.channel = f.channel();
          f.addListener(
              x -> {
                if (!x.isSuccess()) {
                  x.cause().printStackTrace();
                  return;
                }
                fresh.bound = true;
                for (DatagramPacket p : fresh.waiting) {
                  fresh.channel.write(p, fresh.channel.voidPromise());
                }
                fresh.channel.flush();
                fresh.waiting.clear();
              });
          client = fresh;
        }
        if (!client.bound) {
          client.waiting.add(out);
          return;
        }
        via = client.channel;
      }
      via.write(out, via.voidPromise());
      if (!pending.contains(via)) {
        pending.add(via);
      }
    }

    @Override
    public void channelReadComplete(ChannelHandlerContext ctx) {
      for (Channel ch : pending) {
        ch.flush();
      }
      pending.clear();
    }

    private static int callIdHash(ByteBuf c) {
      int from = c.readerIndex();
      int end = c.writerIndex();
      int h = 0x811c9dc5;
      outer:
      for (int i = from; i <= end - CALL_ID.length; i++) {
        for (int k = 0; k < CALL_ID.length; k++) {
          if (c.getByte(i + k) != CALL_ID[k]) {
            continue outer;
          }
        }
        for (int j = i + CALL_ID.length; j < end && c.getByte(j) != '\r'; j++) {
          h = (h ^ (c.getByte(j) & 0xff)) * 16777619;
        }
        break;
      }
      return h;
    }
  }
}
