package io.pe4j.forwarder;

import io.netty.buffer.ByteBuf;
import io.netty.channel.Channel;
import io.netty.channel.ChannelPromise;
import io.netty.channel.DefaultChannelPromise;
import io.netty.channel.socket.DatagramPacket;
import io.pe4j.core.Ipvs;
import io.pe4j.core.Verdict;
import java.net.InetSocketAddress;
import java.util.Objects;
import java.util.concurrent.ConcurrentHashMap;
import org.jspecify.annotations.Nullable;

/**
 * Send accounting and batching: every datagram written is counted when its send completes —
 * forwarded or returned, or dropped with the reason and the core's counters refunded — and writes
 * made during one read burst leave together.
 */
final class Sending {

  private final Ipvs ipvs;
  private final ForwarderStats stats;
  private final ConcurrentHashMap<Verdict, InetSocketAddress> targets = new ConcurrentHashMap<>();

  Sending(Ipvs ipvs, ForwarderStats stats) {
    this.ipvs = ipvs;
    this.stats = stats;
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

  /** The server address of a forward verdict, made once per verdict (at most 10,000 kept). */
  InetSocketAddress target(Verdict v) {
    InetSocketAddress t = targets.get(v);
    if (t == null) {
      t = new InetSocketAddress(Objects.requireNonNull(v.address()).toInetAddress(), v.port());
      if (targets.size() < 10_000) {
        targets.put(v, t);
      }
    }
    return t;
  }

  /** Writes a client's datagram to a server on {@code up}; flushed by {@code batch}, or now. */
  void toServer(Channel up, DatagramPacket p, Verdict v, boolean ipv6, @Nullable Batch batch) {
    Accounted promise = new Accounted(up, true, v, p.content().readableBytes(), ipv6);
    if (batch != null) {
      up.write(p, promise);
      batch.add(up);
    } else {
      up.writeAndFlush(p, promise);
    }
  }

  /**
   * Sends a server's datagram to {@code client} from {@code vipSocket}, a socket of the virtual
   * address, counting it returned or dropped with its reason.
   */
  void toClient(
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

  /** Counts a datagram that will not be sent, and refunds the core's counters. */
  void notSent(String reason, Verdict v, int length, boolean ipv6) {
    stats.drop(reason);
    ipvs.notSent(v, length, ipv6);
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
          stats.drop("send to server failed: " + Transport.describe(cause));
        } else {
          stats.replyDrop("send to client failed: " + Transport.describe(cause));
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
}
