package io.pe4j.forwarder;

import io.netty.buffer.ByteBuf;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.socket.DatagramPacket;
import io.pe4j.api.IpAddress;
import io.pe4j.core.Verdict;
import java.net.InetSocketAddress;

/**
 * Datagrams from real servers on one session's upstream socket: each through the core's return
 * path, then to the session's client from the virtual address.
 */
final class ServerSide extends SimpleChannelInboundHandler<DatagramPacket> {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder");

  private final Sessions.Session session;
  private final CoreCalls core;
  private final Sending sending;
  private final ForwarderStats stats;
  private final IpAddress clientAddress;
  private final boolean ipv6;
  private final Sending.Batch batch = new Sending.Batch(Sending.Batch.TO_CLIENTS);

  ServerSide(Sessions.Session session, CoreCalls core, Sending sending, ForwarderStats stats) {
    this.session = session;
    this.core = core;
    this.sending = sending;
    this.stats = stats;
    this.clientAddress = IpAddress.of(session.client.getAddress());
    this.ipv6 = session.client.getAddress() instanceof java.net.Inet6Address;
  }

  @Override
  protected void channelRead0(ChannelHandlerContext ctx, DatagramPacket packet) {
    stats.serverDatagrams.increment();
    session.answeredAt(core.ipvs().now());
    InetSocketAddress server = packet.sender();
    ByteBuf content = packet.content();
    int length = content.readableBytes();
    Verdict v = core.fromServer(content, server, clientAddress, session.client.getPort());
    if (v == null) {
      return;
    }
    if (v.kind() != Verdict.Kind.OUT || !session.binding.vipAddress.equals(v.address())) {
      stats.returnedWithoutKey.increment(); // still returned to the session's client
    }
    sending.toClient(session.clientSide, session.client, content, v, length, ipv6, batch);
  }

  @Override
  public void channelReadComplete(ChannelHandlerContext ctx) {
    batch.flush();
  }

  @Override
  public void exceptionCaught(ChannelHandlerContext ctx, Throwable cause) {
    core.fatalCheck(cause);
    LOG.log(System.Logger.Level.WARNING, "upstream socket error for " + session.client, cause);
  }
}
