package io.pe4j.forwarder;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.pe4j.api.Datagram;
import io.pe4j.core.Verdict;
import java.net.InetSocketAddress;
import java.util.Locale;

/**
 * Datagrams from clients to one virtual service's socket: each through the core, then to the real
 * server it chose from the client's session's upstream socket — or counted as dropped with the
 * reason; held while the cluster decides a new call ({@code WAIT}).
 */
final class ClientSide extends SimpleChannelInboundHandler<DatagramPacket> {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder");

  private final Sessions.Binding binding;
  private final CoreCalls core;
  private final Sessions sessions;
  private final Sending sending;
  private final Drain drain;
  private final ForwarderStats stats;
  private final Sending.Batch batch = new Sending.Batch(Sending.Batch.TO_SERVERS);
  private final ClusterHold hold;

  ClientSide(
      Sessions.Binding binding,
      CoreCalls core,
      Sessions sessions,
      Sending sending,
      Drain drain,
      ForwarderStats stats,
      java.util.concurrent.atomic.AtomicInteger held,
      int maxHeld) {
    this.binding = binding;
    this.core = core;
    this.sessions = sessions;
    this.sending = sending;
    this.drain = drain;
    this.stats = stats;
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
    Datagram d = core.view(content, sender, binding.vipAddress, binding.vip.getPort());
    if (drain.draining && drain.refuses(binding, sender, d)) {
      return;
    }
    Verdict v = core.fromClient(d, sender);
    if (v == null) {
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
    Sessions.Session s = sessions.open(binding, sender, ctx.channel());
    if (s == null) {
      sending.notSent("sessions full", v, length, ipv6);
      return;
    }
    s.lastUsed = core.ipvs().now();
    s.answered = false;
    sessions.send(s, new DatagramPacket(content.retain(), sending.target(v)), v, ipv6, batch);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    batch.flush();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    core.fatalCheck(cause);
    LOG.log(System.Logger.Level.WARNING, "client-side socket error on " + binding.name, cause);
  }
}
