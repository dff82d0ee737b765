package io.pe4j.forwarder;

import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.socket.DatagramPacket;
import io.pe4j.core.Verdict;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

/**
 * Datagrams of new calls held while the cluster answers ({@link Verdict.Kind#WAIT}): the event loop
 * never waits, it files the datagram under its call's answer and goes on; when the answer settles
 * (at the latest the cluster wait after the call's first datagram), the loop processes the call's
 * held datagrams again, in arrival order. Bounded per call ({@value #PER_CALL}) and in total, every
 * datagram refused counted by reason. One instance per client-side channel, used only on its event
 * loop; the total bound is shared.
 */
final class ClusterHold {

  /** Datagrams one call may have held at once (an INVITE and its retransmissions, an ACK...). */
  static final int PER_CALL = 8;

  private final ForwarderStats stats;
  private final AtomicInteger total;
  private final int max;
  private final BiConsumer<ChannelHandlerContext, DatagramPacket> again;
  private final Map<CompletionStage<Void>, List<DatagramPacket>> byCall = new HashMap<>();

  /**
   * @param total the datagrams held by every channel's hold (shared)
   * @param max the bound on {@code total}
   * @param again processes a held datagram once more, on the loop, after its call settled
   */
  ClusterHold(
      ForwarderStats stats,
      AtomicInteger total,
      int max,
      BiConsumer<ChannelHandlerContext, DatagramPacket> again) {
    this.stats = stats;
    this.total = total;
    this.max = max;
    this.again = again;
  }

  /** Holds {@code packet} (retained here) until its call's answer settles; or counts a drop. */
  void hold(ChannelHandlerContext ctx, DatagramPacket packet, Verdict v) {
    CompletionStage<Void> settled = v.settled();
    List<DatagramPacket> waiting = byCall.get(settled);
    if (waiting != null && waiting.size() >= PER_CALL) {
      stats.drop("cluster wait: call's held datagrams full");
      return;
    }
    if (total.incrementAndGet() > max) {
      total.decrementAndGet();
      stats.drop("cluster wait: held datagrams full");
      return;
    }
    stats.clusterHeld.increment();
    if (waiting == null) {
      waiting = new ArrayList<>(2);
      byCall.put(settled, waiting);
      settled.whenComplete((x, e) -> ctx.channel().eventLoop().execute(() -> resume(ctx, settled)));
    }
    waiting.add(packet.retain());
  }

  private void resume(ChannelHandlerContext ctx, CompletionStage<Void> settled) {
    List<DatagramPacket> waiting = byCall.remove(settled);
    if (waiting == null) {
      return;
    }
    for (DatagramPacket p : waiting) {
      total.decrementAndGet();
      try {
        again.accept(ctx, p);
      } finally {
        p.release();
      }
    }
  }

  /** Drops what is held (the channel closed). */
  void clear() {
    for (List<DatagramPacket> waiting : byCall.values()) {
      for (DatagramPacket p : waiting) {
        total.decrementAndGet();
        stats.drop("cluster wait: socket closed");
        p.release();
      }
    }
    byCall.clear();
  }
}
