package io.pe4j.testkit;

import static io.pe4j.testkit.Trials.corpus;
import static io.pe4j.testkit.Trials.describe;
import static io.pe4j.testkit.Trials.fillFrom;
import static io.pe4j.testkit.Trials.param;
import static io.pe4j.testkit.Trials.partners;
import static io.pe4j.testkit.Trials.peDataPool;
import static io.pe4j.testkit.Trials.placementProblem;
import static io.pe4j.testkit.Trials.problemKind;
import static io.pe4j.testkit.Trials.run;
import static io.pe4j.testkit.Trials.safeRun;
import static io.pe4j.testkit.Trials.thrownBy;
import static io.pe4j.testkit.Trials.view;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.ConnParam;
import io.pe4j.api.PeData;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.Protocol;
import io.pe4j.testkit.Trials.Outcome;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import org.junit.jupiter.api.Test;

/** Laws 1 to 8 of {@link PersistenceEngineContract}: the SPI's own rules. */
abstract class CoreLaws extends ContractHooks {

  CoreLaws() {}

  // ---------------------------------------------------------------------------------------------
  // The laws

  /**
   * Law 1: the name is 1–16 printable ASCII characters without whitespace, and ServiceLoader finds
   * the engine under it.
   */
  @Test
  void law1_nameIsValidAndRegistered() {
    PersistenceEngine engine = engine();
    String name = PersistenceEngines.checkName(engine.name());
    PersistenceEngines installed =
        PersistenceEngines.installed(
            ServiceLoader.load(PersistenceEngine.class, engine.getClass().getClassLoader()));
    PersistenceEngine found = installed.get(name);
    assertNotNull(
        found,
        "ServiceLoader finds no engine named '"
            + name
            + "': list "
            + engine.getClass().getName()
            + " in META-INF/services/io.pe4j.api.PersistenceEngine (and 'provides' it in module-info)");
    assertEquals(
        engine.getClass(),
        found.getClass(),
        "the engine registered as '" + name + "' is another class");
  }

  /**
   * Law 2: {@code fillParam} never throws: random bytes, empty, 64 KB, truncations, mutations,
   * other protocols.
   */
  @Test
  void law2_fillParamNeverThrows() {
    PersistenceEngine engine = engine();
    Gen gen = new Gen(seed);
    for (byte[] input : corpus(supplied(), nearMisses(), gen, tries)) {
      for (Protocol p : new Protocol[] {protocol(), Protocol.UDP, Protocol.TCP, Protocol.SCTP}) {
        try {
          run(engine, input, p);
        } catch (RuntimeException | StackOverflowError | AssertionError e) {
          Class<?> kind = e.getClass();
          fail(
              "law 2 (fillParam never throws)",
              input,
              x -> kind.equals(thrownBy(engine, x, p)),
              "threw " + describe(e) + " on " + p);
        }
      }
    }
  }

  /**
   * Law 3: the same datagram gives the same result wherever it lies — a heap buffer with bytes
   * around it, a slice of a larger array ({@code arrayOffset() > 0}), a read-only buffer, a direct
   * buffer, flush with either end — so the engine reads only its window, through the buffer's
   * accessors; and the buffer's content, position and limit are left unchanged.
   */
  @Test
  void law3_deterministicAndReadsOnlyItsWindow() {
    PersistenceEngine engine = engine();
    Gen gen = new Gen(seed);
    for (byte[] input : corpus(supplied(), nearMisses(), gen, tries)) {
      Outcome base;
      try {
        base = run(engine, input, protocol());
      } catch (RuntimeException e) {
        continue; // law 2's business
      }
      List<Shapes.Shape> shapes = Shapes.of(input);
      for (int k = 0; k < shapes.size(); k++) {
        int shape = k;
        String problem = placementProblem(engine, protocol(), input, base, shapes.get(k));
        if (problem != null) {
          String kind = problemKind(problem);
          fail(
              "law 3 (deterministic, reads only its window, changes nothing)",
              input,
              x -> {
                Outcome b0 = run(engine, x, protocol());
                String p = placementProblem(engine, protocol(), x, b0, Shapes.of(x).get(shape));
                return p != null && problemKind(p).equals(kind);
              },
              x -> {
                Outcome b0 = run(engine, x, protocol());
                String p = placementProblem(engine, protocol(), x, b0, Shapes.of(x).get(shape));
                return (p != null ? p : problem) + " (" + Shapes.of(x).get(shape).name() + ")";
              });
        }
      }
    }
  }

  /** Law 4: on a match the pe data is 1..255 bytes. */
  @Test
  void law4_peDataIsOneTo255Bytes() {
    PersistenceEngine engine = engine();
    Gen gen = new Gen(seed);
    for (byte[] input : corpus(supplied(), nearMisses(), gen, tries)) {
      Outcome o;
      try {
        o = run(engine, input, protocol());
      } catch (RuntimeException e) {
        continue;
      }
      if (o.reason().equals("match")) {
        PeData d = o.peData();
        if (d == null || d.length() < 1 || d.length() > PeData.MAX_LENGTH) {
          fail(
              "law 4 (pe data is 1..255 bytes)",
              input,
              x -> {
                Outcome y = run(engine, x, protocol());
                return y.reason().equals("match") && y.peData() == null;
              },
              "a match without pe data");
        }
      }
    }
  }

  /**
   * Law 5: {@code ctMatch} is reflexive and symmetric, equals pe-data equality when the key fields
   * are equal, and never matches across client network, virtual port or protocol.
   */
  @Test
  void law5_ctMatchIsReflexiveSymmetricAndKeyed() {
    PersistenceEngine e = engine();
    Gen gen = new Gen(seed);
    List<PeData> pool = peDataPool(e, supplied(), protocol(), tries, gen);
    for (PeData a : pool) {
      for (PeData b : partners(a, pool, gen)) {
        long client = gen.ipv4().lo();
        int vport = gen.port() - 1;
        Protocol p = protocol();
        String at = "pe data " + a + " / " + b + ", seed " + seed + ", replay " + replay;
        assertTrue(
            e.ctMatch(param(e, p, client, vport, a), view(e, p, client, vport, a)),
            "law 5: not reflexive for " + at);
        boolean ab = e.ctMatch(param(e, p, client, vport, a), view(e, p, client, vport, b));
        boolean ba = e.ctMatch(param(e, p, client, vport, b), view(e, p, client, vport, a));
        assertEquals(ab, ba, "law 5: not symmetric for " + at);
        assertEquals(a.equals(b), ab, "law 5: disagrees with pe-data equality for " + at);
        Protocol other = p == Protocol.UDP ? Protocol.TCP : Protocol.UDP;
        assertTrue(
            !e.ctMatch(param(e, p, client, vport, a), view(e, p, client ^ 1, vport, a)),
            "law 5: matched another client network, " + at);
        assertTrue(
            !e.ctMatch(param(e, p, client, vport, a), view(e, p, client, vport ^ 1, a)),
            "law 5: matched another virtual port, " + at);
        assertTrue(
            !e.ctMatch(param(e, p, client, vport, a), view(e, other, client, vport, a)),
            "law 5: matched another protocol, " + at);
      }
    }
  }

  /**
   * Law 6: {@code hashKey} is equal for matching keys, depends on the pe data only, and uses the
   * seed (for a fixed pe data, 64 random seeds do not all give one hash).
   */
  @Test
  void law6_hashKeyAgreesWithMatchAndUsesTheSeed() {
    PersistenceEngine e = engine();
    Gen gen = new Gen(seed);
    List<PeData> pool = peDataPool(e, supplied(), protocol(), tries, gen);
    for (PeData a : pool) {
      for (PeData b : partners(a, pool, gen)) {
        int s = gen.random().nextInt();
        Protocol p = protocol();
        long client = gen.ipv4().lo();
        String at =
            "pe data "
                + a
                + " / "
                + b
                + ", hash seed "
                + s
                + ", seed "
                + seed
                + ", replay "
                + replay;
        if (e.ctMatch(param(e, p, client, 5060, a), view(e, p, client, 5060, b))) {
          assertEquals(
              e.hashKey(param(e, p, client, 5060, a), s),
              e.hashKey(param(e, p, client, 5060, b), s),
              "law 6: matching keys hash differently, " + at);
        }
        assertEquals(
            e.hashKey(param(e, p, client, 5060, a), s),
            e.hashKey(param(e, p, client ^ 0xff, 5061, a), s),
            "law 6: the hash depends on more than the pe data, " + at);
      }
    }
    for (int i = 0; i < Math.min(tries, 32); i++) {
      PeData a = pool.get(gen.nextInt(pool.size()));
      Set<Integer> hashes = new HashSet<>();
      for (int k = 0; k < 64; k++) {
        hashes.add(e.hashKey(param(e, protocol(), 1, 5060, a), gen.random().nextInt()));
      }
      assertTrue(
          hashes.size() > 1,
          "law 6: 64 seeds give one hash for " + a + ": the seed is ignored, seed " + seed);
    }
  }

  /** Law 7: {@code showPeData} never throws and never emits CR, LF or other control characters. */
  @Test
  void law7_showPeDataIsPrintable() {
    PersistenceEngine e = engine();
    Gen gen = new Gen(seed);
    List<PeData> pool = peDataPool(e, supplied(), protocol(), tries, gen);
    byte[] all = new byte[255];
    for (int i = 0; i < all.length; i++) {
      all[i] = (byte) i;
    }
    pool.add(PeData.of(all));
    pool.add(
        PeData.of(
            "a\r\nUDP C633640A forged".getBytes(java.nio.charset.StandardCharsets.ISO_8859_1)));
    for (PeData d : pool) {
      String shown;
      try {
        shown = e.showPeData(view(e, protocol(), 1, 5060, d));
      } catch (RuntimeException ex) {
        throw new AssertionError(
            "law 7: showPeData threw "
                + describe(ex)
                + " for "
                + Shrink.hex(d.toByteArray())
                + ", seed "
                + seed,
            ex);
      }
      Objects.requireNonNull(shown, "law 7: showPeData returned null");
      for (int i = 0; i < shown.length(); i++) {
        char c = shown.charAt(i);
        if (Character.isISOControl(c)) {
          throw new AssertionError(
              "law 7: showPeData emitted control character U+"
                  + String.format("%04X", (int) c)
                  + " at "
                  + i
                  + " for pe data "
                  + Shrink.hex(d.toByteArray())
                  + ", seed "
                  + seed);
        }
      }
    }
  }

  /**
   * Law 8: {@code fillParam} is thread-safe and keeps no state between calls. Deterministically:
   * the pe data one {@code ConnParam} holds must not change when another {@code ConnParam} is
   * filled from another datagram (shared scratch buffers fail this on every run). Then four
   * threads, released together by a barrier, each repeat passes over the inputs in their own order
   * for at least 200 ms, and must see the sequential results.
   */
  @Test
  void law8_threadSafeAndStateless() throws Exception {
    PersistenceEngine engine = engine();
    Gen gen = new Gen(seed);
    List<byte[]> inputs = corpus(supplied(), nearMisses(), gen, Math.min(tries, 400));
    List<Outcome> sequential = new ArrayList<>();
    List<Integer> matching = new ArrayList<>();
    for (int i = 0; i < inputs.size(); i++) {
      Outcome o = safeRun(engine, inputs.get(i), protocol());
      sequential.add(o);
      if (o.peData() != null && matching.size() < 64) {
        matching.add(i);
      }
    }
    for (int k = 0; k + 1 < matching.size(); k++) {
      byte[] x = inputs.get(matching.get(k));
      PeData expected = Objects.requireNonNull(sequential.get(matching.get(k)).peData());
      for (int j = k + 1; j < matching.size(); j++) {
        byte[] y = inputs.get(matching.get(j));
        if (expected.equals(sequential.get(matching.get(j)).peData())) {
          continue;
        }
        ConnParam held = fillFrom(engine, x, protocol());
        fillFrom(engine, y, protocol());
        if (!held.peDataEquals(expected)) {
          fail(
              "law 8 (stateless: pe data must not change when another datagram is filled)",
              x,
              z -> false,
              "a ConnParam filled from this datagram held "
                  + expected
                  + ", then "
                  + held.peDataCopy()
                  + " after another ConnParam was filled from: "
                  + Shrink.printable(y));
        }
        break;
      }
    }
    Trials.Race race = Trials.race(engine, inputs, sequential, protocol(), 4, 200);
    if (race != null) {
      fail(
          "law 8 (thread-safe)",
          inputs.get(race.index()),
          x -> false,
          "a thread got "
              + race.got()
              + " where the sequential run got "
              + sequential.get(race.index()));
    }
  }
}
