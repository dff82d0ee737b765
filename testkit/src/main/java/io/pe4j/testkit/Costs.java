package io.pe4j.testkit;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.lang.management.ManagementFactory;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What an engine costs the balancer's datagram thread: time per byte on small and on large inputs,
 * and bytes allocated per {@code fillParam}. Measured without allocating in the measuring loop (one
 * {@link ConnParam} and one {@link Datagram} reused), best of several runs.
 */
final class Costs {

  /** The largest UDP payload over IPv4: the largest input the cost law builds. */
  static final int MAX_PAYLOAD = 65_507;

  private Costs() {}

  /** A datagram over {@code payload} and a param, both reused by every call of a measurement. */
  private static final class Rig {
    final PersistenceEngine engine;
    final ConnParam param;
    final Datagram datagram;

    Rig(PersistenceEngine engine, Protocol protocol, byte[] payload) {
      this.engine = engine;
      this.param = Trials.freshParam(engine, protocol);
      this.datagram = Trials.datagram(protocol, ByteBuffer.wrap(payload), 0, payload.length);
    }

    void once() {
      try {
        var unused = engine.fillParam(param, datagram);
      } catch (RuntimeException e) {
        // law 2's business
      }
    }
  }

  /**
   * The best time of one {@code fillParam} on {@code payload}, in ns: {@code runs} runs of {@code
   * calls} calls each, after as many calls to warm up.
   */
  static double bestNanosPerCall(
      PersistenceEngine engine, Protocol protocol, byte[] payload, int calls, int runs) {
    Rig rig = new Rig(engine, protocol, payload);
    for (int i = 0; i < calls; i++) {
      rig.once();
    }
    double best = Double.MAX_VALUE;
    for (int r = 0; r < runs; r++) {
      long t0 = System.nanoTime();
      for (int i = 0; i < calls; i++) {
        rig.once();
      }
      best = Math.min(best, (System.nanoTime() - t0) / (double) calls);
    }
    return best;
  }

  /**
   * Inputs grown from {@code datagram} towards 64 KB: the datagram repeated; each of its lines (up
   * to 16) repeated in place; and 16 slices of 2 to 32 bytes repeated in place — so that a
   * structure of many small fields appears wherever the protocol has repeatable parts.
   */
  static List<byte[]> grown(byte[] datagram, Gen gen) {
    List<byte[]> out = new ArrayList<>();
    if (datagram.length == 0) {
      return out;
    }
    out.add(repeatSlice(datagram, 0, datagram.length));
    int lines = 0;
    int start = 0;
    for (int i = 0; i < datagram.length && lines < 16; i++) {
      if (datagram[i] == '\n') {
        if (i + 1 - start >= 2) {
          out.add(repeatSlice(datagram, start, i + 1));
          lines++;
        }
        start = i + 1;
      }
    }
    for (int k = 0; k < 16 && datagram.length >= 2; k++) {
      int len = 2 + gen.nextInt(Math.min(31, datagram.length - 1));
      int from = gen.nextInt(datagram.length - len + 1);
      out.add(repeatSlice(datagram, from, from + len));
    }
    return out;
  }

  /** {@code d[0..to)}, then {@code d[from..to)} repeated up to 64 KB, then {@code d[to..]}. */
  private static byte[] repeatSlice(byte[] d, int from, int to) {
    int slice = to - from;
    int room = MAX_PAYLOAD - d.length;
    int copies = Math.max(0, room / slice);
    byte[] out = new byte[d.length + copies * slice];
    System.arraycopy(d, 0, out, 0, to);
    for (int c = 0; c < copies; c++) {
      System.arraycopy(d, from, out, to + c * slice, slice);
    }
    System.arraycopy(d, to, out, to + copies * slice, d.length - to);
    return out;
  }

  /**
   * Bytes the current thread allocates per {@code fillParam} on {@code payload}, averaged over
   * {@code calls} calls after as many to warm up; null where the JVM does not tell.
   */
  static @Nullable Double bytesPerCall(
      PersistenceEngine engine, Protocol protocol, byte[] payload, int calls) {
    java.lang.management.ThreadMXBean mx = ManagementFactory.getThreadMXBean();
    if (!(mx instanceof com.sun.management.ThreadMXBean)) {
      return null;
    }
    com.sun.management.ThreadMXBean threads = (com.sun.management.ThreadMXBean) mx;
    if (!threads.isThreadAllocatedMemorySupported() || !threads.isThreadAllocatedMemoryEnabled()) {
      return null;
    }
    Rig rig = new Rig(engine, protocol, payload);
    for (int i = 0; i < calls; i++) {
      rig.once();
    }
    double best = Double.MAX_VALUE;
    for (int r = 0;
        r < 3;
        r++) { // the least of three: a stray allocation elsewhere is not the engine's
      long before = threads.getCurrentThreadAllocatedBytes();
      for (int i = 0; i < calls; i++) {
        rig.once();
      }
      best = Math.min(best, (threads.getCurrentThreadAllocatedBytes() - before) / (double) calls);
    }
    return best;
  }
}
