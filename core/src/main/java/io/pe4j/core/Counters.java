package io.pe4j.core;

import java.util.concurrent.atomic.LongAdder;

/** The counters ipvsadm shows for a service or a destination ({@code --stats}), plus rate state. */
public final class Counters {

  final LongAdder conns = new LongAdder();
  final LongAdder inPackets = new LongAdder();
  final LongAdder inBytes = new LongAdder();
  final LongAdder outPackets = new LongAdder();
  final LongAdder outBytes = new LongAdder();

  Counters() {}

  /** Returns the connections created (with one-packet scheduling: datagrams scheduled). */
  public long conns() {
    return conns.sum();
  }

  /** Returns the inbound packets forwarded. */
  public long inPackets() {
    return inPackets.sum();
  }

  /** Returns the inbound bytes forwarded, IP and UDP headers included, as the kernel counts. */
  public long inBytes() {
    return inBytes.sum();
  }

  /** Returns the packets sent by real servers through the director (NAT). */
  public long outPackets() {
    return outPackets.sum();
  }

  /** Returns the bytes sent by real servers through the director (NAT). */
  public long outBytes() {
    return outBytes.sum();
  }

  // Rate estimation as ip_vs_est.c: every 2 s, avg += (rate - avg) / 4 (pps/cps scaled by 2^10,
  // bps by 2^5). pe4j estimates lazily when rates are read: a tick that passed unobserved sees the
  // whole change since the previous read.
  private long estimatedAt = Long.MIN_VALUE;
  private final long[] last = new long[5];
  private final long[] avg = new long[5];

  /** Returns the estimated rates: CPS, InPPS, OutPPS, InBPS, OutBPS. */
  public synchronized long[] rates(long now) {
    long[] current = {conns(), inPackets(), outPackets(), inBytes(), outBytes()};
    if (estimatedAt == Long.MIN_VALUE) {
      estimatedAt = now;
      System.arraycopy(current, 0, last, 0, 5);
    }
    long ticks = (now - estimatedAt) / 2_000_000_000L;
    for (long t = 0; t < Math.min(ticks, 64); t++) {
      for (int i = 0; i < 5; i++) {
        long delta = t == 0 ? current[i] - last[i] : 0;
        long rate = i < 3 ? (delta << 9) : (delta << 4); // per second, scaled: /2 s * 2^10 or 2^5
        avg[i] += (rate - avg[i]) / 4;
      }
    }
    if (ticks > 0) {
      estimatedAt += ticks * 2_000_000_000L;
      System.arraycopy(current, 0, last, 0, 5);
    }
    long[] out = new long[5];
    for (int i = 0; i < 5; i++) {
      out[i] = i < 3 ? (avg[i] + 0x1ff) >> 10 : (avg[i] + 0xf) >> 5;
    }
    return out;
  }

  void in(int ipBytes) {
    inPackets.increment();
    inBytes.add(ipBytes);
  }

  void out(int ipBytes) {
    outPackets.increment();
    outBytes.add(ipBytes);
  }

  void unIn(int ipBytes) {
    inPackets.decrement();
    inBytes.add(-ipBytes);
  }

  void unOut(int ipBytes) {
    outPackets.decrement();
    outBytes.add(-ipBytes);
  }

  synchronized void zero() {
    java.util.Arrays.fill(avg, 0);
    estimatedAt = Long.MIN_VALUE;
    conns.reset();
    inPackets.reset();
    inBytes.reset();
    outPackets.reset();
    outBytes.reset();
  }
}
