package io.pe4j.testkit;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeData;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import io.pe4j.api.TemplateView;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the laws do with one input or one pair of pe data: run {@code fillParam} in a given buffer
 * and report the outcome, build the key fields of a template, make pe-data partners, describe what
 * went wrong. Stateless; every law of {@link PersistenceEngineContract} uses it.
 */
final class Trials {

  private Trials() {}

  /** The result of one {@code fillParam}: pe data bytes on a match, else the reason. */
  record Outcome(@Nullable PeData peData, String reason) {}

  static Outcome run(PersistenceEngine engine, byte[] payload, Protocol protocol) {
    return runIn(engine, payload, protocol, ByteBuffer.wrap(payload.clone()), 0);
  }

  static Outcome runIn(
      PersistenceEngine engine, byte[] payload, Protocol protocol, ByteBuffer buffer, int offset) {
    ConnParam param = freshParam(engine, protocol);
    PeResult r = engine.fillParam(param, datagram(protocol, buffer, offset, payload.length));
    if (r.isMatch()) {
      return new Outcome(param.hasPeData() ? param.peDataCopy() : null, "match");
    }
    return new Outcome(null, r.reason());
  }

  static String describe(Throwable t) {
    return t.getClass().getName() + ": " + t.getMessage();
  }

  /** Returns the class of what {@code fillParam} throws on {@code input}, or null. */
  static @Nullable Class<?> thrownBy(PersistenceEngine engine, byte[] input, Protocol p) {
    try {
      run(engine, input, p);
      return null;
    } catch (RuntimeException | StackOverflowError | AssertionError e) {
      return e.getClass();
    }
  }

  /** The kind of a law-3 problem, kept while shrinking: its first words and any exception. */
  static String problemKind(String problem) {
    int cut = problem.indexOf(" where");
    if (problem.startsWith("threw")) {
      return problem.substring(0, cut < 0 ? problem.length() : cut).replaceAll(":.*", "");
    }
    return problem.startsWith("gave") ? "gave" : problem.replaceAll(" at index \\d+", "");
  }

  static byte[] snapshot(ByteBuffer buf) {
    ByteBuffer all = buf.duplicate();
    all.clear();
    byte[] out = new byte[all.capacity()];
    all.get(out);
    return out;
  }

  /** A template of the key fields and pe data, for laws 5–7. */
  record View(
      PersistenceEngine engine,
      boolean isIpv6,
      Protocol protocol,
      long clientHi,
      long clientLo,
      long virtualHi,
      long virtualLo,
      int virtualPort,
      @Nullable PeData peData)
      implements TemplateView {
    @Override
    public int clientPort() {
      return 0;
    }
  }

  static ConnParam param(
      PersistenceEngine e, Protocol protocol, long client, int vport, PeData data) {
    ConnParam p = new ConnParam().set(false, protocol, 0, client, 0, 0, 0x0A000001L, vport, e);
    var unused = p.match(data);
    return p;
  }

  static View view(PersistenceEngine e, Protocol protocol, long client, int vport, PeData data) {
    return new View(e, false, protocol, 0, client, 0, 0x0A000001L, vport, data);
  }

  /**
   * Returns pe data that almost equals {@code a}: one letter's case flipped (pe data is compared
   * byte for byte, so this must not match), or else one byte changed.
   */
  static PeData nearMiss(PeData a, Gen gen) {
    byte[] b = a.toByteArray();
    for (int i = 0; i < b.length; i++) {
      char c = (char) (b[i] & 0xff);
      if ((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z')) {
        b[i] = (byte) (c ^ 0x20);
        return PeData.of(b);
      }
    }
    int i = gen.nextInt(b.length);
    b[i] = (byte) (b[i] + 1 + gen.nextInt(255));
    return PeData.of(b);
  }

  /**
   * The partners of {@code a} in laws 5 and 6, all of them every run: an equal copy, its prefix,
   * its extension by one byte, the same bytes with the first and with the last changed, a case near
   * miss, and another pe data of the pool.
   */
  static List<PeData> partners(PeData a, List<PeData> pool, Gen gen) {
    byte[] bytes = a.toByteArray();
    List<PeData> out = new ArrayList<>();
    out.add(PeData.of(bytes.clone()));
    if (bytes.length > 1) {
      out.add(PeData.of(Arrays.copyOf(bytes, bytes.length - 1)));
    }
    if (bytes.length < PeData.MAX_LENGTH) {
      byte[] longer = Arrays.copyOf(bytes, bytes.length + 1);
      longer[bytes.length] = bytes[bytes.length - 1];
      out.add(PeData.of(longer));
    }
    byte[] first = bytes.clone();
    first[0] ^= 0x01;
    out.add(PeData.of(first));
    byte[] last = bytes.clone();
    last[last.length - 1] ^= 0x01;
    out.add(PeData.of(last));
    out.add(nearMiss(a, gen));
    out.add(pool.get(gen.nextInt(pool.size())));
    return out;
  }

  static ConnParam fillFrom(PersistenceEngine engine, byte[] payload, Protocol protocol) {
    ConnParam param = freshParam(engine, protocol);
    var unused =
        engine.fillParam(
            param, datagram(protocol, ByteBuffer.wrap(payload.clone()), 0, payload.length));
    return param;
  }

  static Outcome safeRun(PersistenceEngine engine, byte[] input, Protocol protocol) {
    try {
      return run(engine, input, protocol);
    } catch (RuntimeException e) {
      return new Outcome(null, "threw " + e.getClass().getName());
    }
  }

  /**
   * The inputs of the laws: the supplied datagrams and near misses, their systematic edges (a
   * budget of {@code max(8,000, 4 × count)} in all, shared between them), two supplied datagrams
   * concatenated, empty, 64 KB, then {@code count} more random bytes, truncations and mutations.
   */
  static List<byte[]> corpus(List<byte[]> supplied, List<byte[]> nearMisses, Gen gen, int count) {
    List<byte[]> out = new ArrayList<>();
    out.addAll(supplied);
    out.addAll(nearMisses);
    out.add(new byte[0]);
    out.add(gen.bytes(Gen.MAX_UDP_PAYLOAD));
    List<byte[]> bases = new ArrayList<>(supplied);
    bases.addAll(nearMisses);
    if (!bases.isEmpty()) {
      int share = Math.max(8000, 4 * count) / bases.size();
      for (byte[] base : bases) {
        out.addAll(Edges.of(base, Math.max(share, 64), gen));
      }
      for (int i = 0; i < Math.min(50, bases.size() * bases.size()); i++) {
        out.add(
            Edges.concat(
                bases.get(i % bases.size()), bases.get((i / bases.size() + i) % bases.size())));
      }
    }
    SipGen sip = new SipGen(gen);
    int target = out.size() + count;
    while (out.size() < target) {
      int roll = gen.nextInt(10);
      if (!supplied.isEmpty() && roll < 4) {
        byte[] base = supplied.get(gen.nextInt(supplied.size()));
        out.add(roll < 2 ? gen.truncation(base) : gen.mutation(base));
      } else if (roll < 6) {
        out.add(sip.adversarial());
      } else {
        out.add(gen.bytes());
      }
    }
    return out;
  }

  static @Nullable String placementProblem(
      PersistenceEngine engine, Protocol protocol, byte[] input, Outcome base, Shapes.Shape shape) {
    ByteBuffer buf = shape.buffer();
    int position = buf.position();
    int limit = buf.limit();
    byte[] before = snapshot(buf);
    Outcome o;
    try {
      o = runIn(engine, input, protocol, buf, shape.offset());
    } catch (RuntimeException e) {
      return "threw " + describe(e) + " where the same bytes in a heap buffer at offset 0 did not";
    }
    if (!o.equals(base)) {
      return "gave " + o + " but " + base + " for the same bytes";
    }
    if (buf.position() != position || buf.limit() != limit) {
      return "changed the buffer's position/limit";
    }
    byte[] after = snapshot(buf);
    for (int i = 0; i < after.length; i++) {
      if (after[i] != before[i]) {
        return "modified the buffer at index " + i;
      }
    }
    Outcome again = run(engine, input, protocol);
    return again.equals(base) ? null : "gave " + again + " then " + base + " for the same datagram";
  }

  /** The pe data the laws compare: from supplied datagrams and random bytes. */
  static List<PeData> peDataPool(
      PersistenceEngine engine, List<byte[]> supplied, Protocol protocol, int tries, Gen gen) {
    List<PeData> pool = new ArrayList<>();
    for (byte[] input : supplied) {
      try {
        Outcome o = run(engine, input, protocol);
        if (o.peData() != null) {
          pool.add(o.peData());
        }
      } catch (RuntimeException e) {
        // law 2 reports it
      }
    }
    int n = Math.max(8, tries / 20);
    for (int i = 0; i < n; i++) {
      PeData d = PeData.of(gen.bytes(1 + gen.nextInt(gen.chance(0.1) ? 255 : 24)));
      pool.add(d);
      if (gen.chance(0.3)) {
        pool.add(PeData.of(d.toByteArray())); // an equal copy
      }
    }
    return pool;
  }

  /** The key fields every law uses: client 198.51.100.10, virtual 10.0.0.1:5060. */
  static ConnParam freshParam(PersistenceEngine engine, Protocol protocol) {
    return new ConnParam().set(false, protocol, 0, 0xC633640AL, 0, 0, 0x0A000001L, 5060, engine);
  }

  static Datagram datagram(Protocol protocol, ByteBuffer buffer, int offset, int length) {
    return new Datagram()
        .set(protocol, IpAddress.parse("198.51.100.10"), 5060, IpAddress.parse("10.0.0.1"), 5060)
        .payload(buffer, offset, length);
  }

  /** An input whose outcome on some thread differed from the sequential run's. */
  record Race(int index, Outcome got) {}

  /**
   * Runs {@code threads} threads, released together by a barrier, each making passes over the
   * inputs in its own order for at least {@code millis} ms; returns the first outcome that differs
   * from {@code sequential}, or null.
   */
  static @Nullable Race race(
      PersistenceEngine engine,
      List<byte[]> inputs,
      List<Outcome> sequential,
      Protocol protocol,
      int threads,
      long millis)
      throws InterruptedException, java.util.concurrent.ExecutionException {
    java.util.concurrent.CyclicBarrier start = new java.util.concurrent.CyclicBarrier(threads);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(threads);
    try {
      List<java.util.concurrent.Future<@Nullable Race>> futures = new java.util.ArrayList<>();
      for (int t = 0; t < threads; t++) {
        int stride = 2 * t + 1;
        futures.add(
            pool.submit(
                () -> {
                  start.await();
                  long until = System.nanoTime() + millis * 1_000_000L;
                  for (int pass = 0; pass < 2 || System.nanoTime() < until; pass++) {
                    for (int k = 0; k < inputs.size(); k++) {
                      int i = (k * stride + pass) % inputs.size();
                      Outcome o = safeRun(engine, inputs.get(i), protocol);
                      if (!o.equals(sequential.get(i))) {
                        return new Race(i, o);
                      }
                    }
                  }
                  return null;
                }));
      }
      for (java.util.concurrent.Future<@Nullable Race> f : futures) {
        Race r = f.get();
        if (r != null) {
          return r;
        }
      }
      return null;
    } finally {
      pool.shutdownNow();
    }
  }
}
