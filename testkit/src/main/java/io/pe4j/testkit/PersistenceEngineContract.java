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
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The laws every persistence engine must obey, as one JUnit Jupiter class to extend:
 *
 * <pre>{@code
 * class MyEngineTest extends PersistenceEngineContract {
 *   protected PersistenceEngine engine() { return new MyEngine(); }
 * }
 * }</pre>
 *
 * <p>That alone runs every law that needs no protocol knowledge; override {@link
 * #matchingDatagrams()} and {@link #sessions()} to supply real traffic, and {@link #nearMisses()}
 * for inputs that need not match but must be handled lawfully. The laws take every supplied
 * datagram through its edge cases systematically (every prefix; bytes deleted, inserted, duplicated
 * or set to 0, 1, 0x7f, 0x80, 0xff; 16-bit length-like values; fields emptied, duplicated,
 * shortened, lengthened past 255 bytes; two datagrams concatenated), then through random mutations;
 * and present each input in several buffers (a slice with {@code arrayOffset() > 0}, read-only,
 * direct, flush with either end). Each law is its own test: (1) a valid, registered name; (2)
 * {@code fillParam} never throws; (3) deterministic whatever the buffer, reading only its window
 * and changing nothing; (4) pe data of 1..255 bytes; (5) {@code ctMatch} reflexive, symmetric,
 * equal to pe-data equality and keyed; (6) {@code hashKey} consistent with {@code ctMatch}, of the
 * pe data only, seeded; (7) {@code showPeData} printable; (8) thread-safe and stateless; (9)
 * supplied datagrams match and sessions agree; (10) different sessions give different pe data; (11)
 * the cost per byte stays flat up to 64 KB; (12) results do not depend on the host's locale; (13) a
 * match allocates no more than {@link #allocationBudget()}.
 *
 * <p>Cases per law: {@code -Dpe4j.tries=N} (default 1,000). A failure reports the seed, the shrunk
 * counterexample in hex and as text, and how to replay it with {@code -Dpe4j.seed=N}.
 */
@ExtendWith(LawsRan.class)
public abstract class PersistenceEngineContract {

  private long seed;
  private int tries;
  private String replay = "";

  /** Creates the contract. */
  protected PersistenceEngineContract() {}

  /** Returns the engine under test; called once per law. */
  protected abstract PersistenceEngine engine();

  /** Returns UDP payloads the engine must match. Default: none. */
  protected List<byte[]> matchingDatagrams() {
    return List.of();
  }

  /** Returns sessions: groups of payloads that must all give the same pe data. Default: none. */
  protected List<List<byte[]>> sessions() {
    return List.of();
  }

  /**
   * Returns inputs that need not match but must be handled lawfully: near misses of the protocol (a
   * length field one too large, a field that is empty or too long, a truncated header) that the
   * generated edges may not reach. Default: none. Laws 2 to 4 and 8 take them; law 9 does not.
   */
  protected List<byte[]> nearMisses() {
    return List.of();
  }

  /**
   * Returns the bytes one matching {@code fillParam} may allocate (law 13). Default: 0 — the SPI
   * hands the engine a view of the datagram so that it copies nothing; an engine that needs a
   * little (a decoded field) declares it here.
   */
  protected int allocationBudget() {
    return 0;
  }

  /** Returns the protocol the engine's datagrams arrive on. Default: UDP. */
  protected Protocol protocol() {
    return Protocol.UDP;
  }

  @BeforeEach
  final void seedTheLaw(TestInfo info) {
    seed = Long.getLong("pe4j.seed", System.nanoTime());
    tries = Integer.getInteger("pe4j.tries", 1000);
    if (tries < 1) {
      throw new IllegalArgumentException(
          "-Dpe4j.tries=" + tries + " would check nothing: give 1 or more (default 1,000)");
    }
    String method = info.getTestMethod().map(java.lang.reflect.Method::getName).orElse("");
    replay = "-Dtest=" + getClass().getSimpleName() + "#" + method + " -Dpe4j.seed=" + seed;
    System.out.println(
        getClass().getSimpleName() + "." + method + " seed=" + seed + " (replay: " + replay + ")");
  }

  /**
   * Not a law: never run by JUnit Jupiter. Surefire before 2.22 (2.12.4 is Maven 3.8's default)
   * does not run JUnit Jupiter tests; with no JUnit 4 on the class path it runs a public test
   * class's public {@code test*} methods as plain objects, and reports success for a contract of
   * which no law ran. This method makes that build fail, with the fix.
   */
  public final void testThatSurefireRunsTheJUnitPlatform() {
    throw new AssertionError(
        "No law of the PersistenceEngineContract ran: this Surefire runs tests as plain objects"
            + " and does not run JUnit Jupiter tests (Maven 3.8's default Surefire is 2.12.4)."
            + " Pin org.apache.maven.plugins:maven-surefire-plugin to 3.x in your pom.xml, with"
            + " <failIfNoTests>true</failIfNoTests> (see the engine guide).");
  }

  // ---------------------------------------------------------------------------------------------
  // Outcomes

  private List<byte[]> supplied() {
    List<byte[]> out = new ArrayList<>(matchingDatagrams());
    for (List<byte[]> s : sessions()) {
      out.addAll(s);
    }
    return out;
  }

  private void fail(String law, byte[] input, Predicate<byte[]> stillFails, String detail) {
    fail(law, input, stillFails, x -> detail);
  }

  /**
   * Shrinks {@code input} while it still fails and reports the shrunk input, with the detail
   * computed for that same input (not for the one before shrinking).
   */
  private void fail(
      String law, byte[] input, Predicate<byte[]> stillFails, Function<byte[], String> detailOf) {
    byte[] shrunk = Shrink.datagram(input, stillFails);
    String detail;
    try {
      detail = detailOf.apply(shrunk);
    } catch (RuntimeException e) {
      detail = detailOf.apply(input);
    }
    throw new AssertionError(
        law
            + " violated: "
            + detail
            + "\n  seed: "
            + seed
            + "\n  replay: "
            + replay
            + "\n  counterexample ("
            + shrunk.length
            + " bytes, shrunk from "
            + input.length
            + "):\n  hex: "
            + Shrink.hex(shrunk).replace("\n", "\n       ")
            + "\n  text: "
            + Shrink.printable(shrunk));
  }

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

  /**
   * Law 9: every supplied matching datagram matches, and every datagram of one session gives the
   * same pe data.
   */
  @Test
  void law9_suppliedDatagramsMatchAndSessionsAgree() {
    Assumptions.assumeFalse(
        matchingDatagrams().isEmpty() && sessions().isEmpty(),
        "no matching datagrams or sessions supplied: override matchingDatagrams() or sessions()");
    PersistenceEngine engine = engine();
    for (byte[] input : matchingDatagrams()) {
      Outcome o = run(engine, input, protocol());
      if (o.peData() == null) {
        fail(
            "law 9 (supplied datagrams match)",
            input,
            x -> o.reason().equals(run(engine, x, protocol()).reason()),
            "no match: " + o.reason());
      }
    }
    int n = 0;
    for (List<byte[]> session : sessions()) {
      PeData first = null;
      for (byte[] input : session) {
        Outcome o = run(engine, input, protocol());
        if (o.peData() == null) {
          fail(
              "law 9 (session datagrams match)",
              input,
              x -> o.reason().equals(run(engine, x, protocol()).reason()),
              "session " + n + ": no match: " + o.reason());
        }
        if (first == null) {
          first = o.peData();
        } else if (!first.equals(o.peData())) {
          throw new AssertionError(
              "law 9: session "
                  + n
                  + " gives pe data "
                  + first
                  + " and "
                  + o.peData()
                  + "\n  text: "
                  + Shrink.printable(input));
        }
      }
      n++;
    }
  }

  /**
   * Law 10: different supplied sessions give different pe data. The sessions an author supplies say
   * which datagrams belong together, and so which do not: two sessions with one pe data would share
   * one real server (an engine that keeps only a prefix of its key merges calls).
   */
  @Test
  void law10_distinctSessionsGiveDistinctPeData() {
    Assumptions.assumeTrue(
        sessions().size() >= 2, "fewer than two sessions supplied: override sessions()");
    PersistenceEngine engine = engine();
    Map<PeData, Integer> owner = new HashMap<>();
    List<List<byte[]>> all = sessions();
    for (int n = 0; n < all.size(); n++) {
      if (all.get(n).isEmpty()) {
        continue;
      }
      Outcome o = run(engine, all.get(n).get(0), protocol());
      if (o.peData() == null) {
        continue; // law 9's business
      }
      Integer other = owner.putIfAbsent(o.peData(), n);
      if (other != null) {
        throw new AssertionError(
            "law 10 (distinct sessions give distinct pe data) violated: sessions "
                + other
                + " and "
                + n
                + " both give pe data "
                + o.peData()
                + " — their calls would share one real server"
                + "\n  session "
                + other
                + ": "
                + Shrink.printable(all.get(other).get(0))
                + "\n  session "
                + n
                + ": "
                + Shrink.printable(all.get(n).get(0)));
      }
    }
  }

  /** Law 11's bound: time per byte on a grown input, over time per byte on the supplied ones. */
  static final double COST_RATIO_BOUND = 32;

  /** Law 11 fails only above this time for one input (15 ns a byte at 64 KB): noise stays below. */
  static final double COST_FLOOR_NANOS = 1_000_000;

  /**
   * Law 11: the cost per byte stays flat up to 64 KB. Inputs are grown from the supplied datagrams
   * towards 64 KB — the datagram repeated, each line repeated in place, short slices repeated in
   * place, so that a structure of many small fields appears — and the engine's best time per byte
   * on each must stay within {@value #COST_RATIO_BOUND}× its time per byte on the supplied
   * datagrams (or under {@value #COST_FLOOR_NANOS} ns in all). A parse that rescans earlier fields
   * for each field costs milliseconds on such an input: anyone can send it to the balancer's
   * datagram thread.
   */
  @Test
  void law11_costPerByteStaysFlatUpTo64KB() {
    PersistenceEngine engine = engine();
    Gen gen = new Gen(seed);
    List<byte[]> bases = new ArrayList<>(supplied());
    if (bases.isEmpty()) {
      bases.addAll(corpus(List.of(), nearMisses(), gen, 8));
    }
    bases = bases.subList(0, Math.min(8, bases.size()));
    double baseline = 0;
    for (byte[] b : bases) {
      double t = Costs.bestNanosPerCall(engine, protocol(), b, 2000, 5);
      baseline = Math.max(baseline, t / Math.max(64, b.length));
    }
    for (byte[] b : bases) {
      for (byte[] g : Costs.grown(b, gen)) {
        double t = Costs.bestNanosPerCall(engine, protocol(), g, 3, 3);
        double ratio = t / g.length / baseline;
        if (ratio > COST_RATIO_BOUND && t > COST_FLOOR_NANOS) {
          throw new AssertionError(
              String.format(
                  Locale.ROOT,
                  "law 11 (cost per byte stays flat up to 64 KB) violated: %,d bytes grown from"
                      + " a supplied datagram of %,d took %.2f ms, %.1f ns a byte, %.0fx the"
                      + " %.2f ns a byte of the supplied datagrams (bound %.0fx, or %.1f ms)"
                      + "\n  seed: %d\n  replay: %s\n  grown from: %s\n  begins: %s",
                  g.length,
                  b.length,
                  t / 1e6,
                  t / g.length,
                  ratio,
                  baseline,
                  COST_RATIO_BOUND,
                  COST_FLOOR_NANOS / 1e6,
                  seed,
                  replay,
                  Shrink.printable(b),
                  Shrink.printable(java.util.Arrays.copyOf(g, Math.min(g.length, 240)))));
        }
      }
    }
  }

  /** The default locales law 12 tries: each changes letters that engines commonly case-fold. */
  static final List<Locale> LOCALES =
      List.of(
          Locale.forLanguageTag("tr-TR"),
          Locale.forLanguageTag("az-AZ"),
          Locale.forLanguageTag("lt-LT"),
          Locale.forLanguageTag("el-GR"));

  /**
   * Law 12: results do not depend on the host's default locale or charset. The same datagrams give
   * the same outcomes (match or reason, pe data) under {@code tr-TR}, {@code az-AZ}, {@code lt-LT}
   * and {@code el-GR} as under {@code Locale.ROOT} ({@code String.toLowerCase()} without a locale
   * turns {@code I} into a dotless {@code ı} on a Turkish host: two nodes of one cluster would key
   * one call two ways); the default locale is restored after. Then, since a running JVM cannot
   * change its default charset, a JVM started with the other one ({@code -Dfile.encoding},
   * ISO-8859-1 against UTF-8) runs a default-constructed engine over the same datagrams and must
   * give the same outcomes ({@code new String(bytes)} without a charset fails this).
   */
  @Test
  void law12_resultsDoNotDependOnTheHostLocale() {
    PersistenceEngine engine = engine();
    Gen gen = new Gen(seed);
    List<byte[]> inputs = corpus(supplied(), nearMisses(), gen, Math.min(tries, 400));
    Locale before = Locale.getDefault();
    Locale format = Locale.getDefault(Locale.Category.FORMAT);
    Locale display = Locale.getDefault(Locale.Category.DISPLAY);
    try {
      Locale.setDefault(Locale.ROOT);
      List<Outcome> root = new ArrayList<>();
      for (byte[] input : inputs) {
        root.add(safeRun(engine, input, protocol()));
      }
      for (Locale l : LOCALES) {
        Locale.setDefault(l);
        for (int i = 0; i < inputs.size(); i++) {
          Outcome o = safeRun(engine, inputs.get(i), protocol());
          if (!o.equals(root.get(i))) {
            Outcome r = root.get(i);
            Locale.setDefault(before);
            fail(
                "law 12 (results do not depend on the host's locale)",
                inputs.get(i),
                x -> {
                  Locale.setDefault(Locale.ROOT);
                  Outcome a = safeRun(engine, x, protocol());
                  Locale.setDefault(l);
                  Outcome b = safeRun(engine, x, protocol());
                  Locale.setDefault(before);
                  return !a.equals(b);
                },
                "under the default locale "
                    + l.toLanguageTag()
                    + " the outcome is "
                    + o
                    + ", under Locale.ROOT "
                    + r
                    + " (case-fold with Locale.ROOT, decode with an explicit charset)");
          }
        }
      }
    } finally {
      Locale.setDefault(before);
      Locale.setDefault(Locale.Category.FORMAT, format);
      Locale.setDefault(Locale.Category.DISPLAY, display);
    }
    // the default charset is fixed when a JVM starts: another JVM, started with the other one
    String other =
        java.nio.charset.Charset.defaultCharset().equals(java.nio.charset.StandardCharsets.UTF_8)
            ? "ISO-8859-1"
            : "UTF-8";
    Class<?> engineClass = engine.getClass();
    List<String> here = new ArrayList<>();
    PersistenceEngine fresh;
    try {
      fresh = (PersistenceEngine) engineClass.getConstructor().newInstance();
    } catch (ReflectiveOperationException e) {
      System.out.println(
          "law 12: the default-charset check needs a public no-argument constructor: skipped");
      return;
    }
    for (byte[] input : inputs) {
      here.add(PortabilityProbe.line(fresh, input, protocol()));
    }
    StringBuilder why = new StringBuilder();
    List<String> there = PortabilityProbe.forked(engineClass, inputs, protocol(), other, why);
    if (there == null) {
      System.out.println("law 12: the default-charset check was skipped: " + why);
      return;
    }
    for (int i = 0; i < inputs.size(); i++) {
      if (!here.get(i).equals(there.get(i))) {
        throw new AssertionError(
            "law 12 (results do not depend on the host's default charset) violated: with the"
                + " default charset "
                + java.nio.charset.Charset.defaultCharset()
                + " the outcome is "
                + here.get(i)
                + ", in a JVM whose default is "
                + other
                + " it is "
                + there.get(i)
                + " (decode and encode with an explicit charset)"
                + "\n  seed: "
                + seed
                + "\n  replay: "
                + replay
                + "\n  input ("
                + inputs.get(i).length
                + " bytes):\n  hex: "
                + Shrink.hex(inputs.get(i)).replace("\n", "\n       ")
                + "\n  text: "
                + Shrink.printable(inputs.get(i)));
      }
    }
  }

  /**
   * Law 13: a matching {@code fillParam} allocates no more than {@link #allocationBudget()} bytes
   * (default 0), measured with the thread's allocation counter over 2,000 calls per supplied
   * datagram after as many to warm up, with 8 bytes of tolerance. An engine that copies every
   * payload puts up to 64 KB of garbage per datagram on the balancer's datagram thread.
   */
  @Test
  void law13_aMatchAllocatesNoMoreThanItsBudget() {
    Assumptions.assumeFalse(
        matchingDatagrams().isEmpty() && sessions().isEmpty(),
        "no matching datagrams or sessions supplied: override matchingDatagrams() or sessions()");
    PersistenceEngine engine = engine();
    List<byte[]> supplied = supplied();
    for (int i = 0; i < Math.min(16, supplied.size()); i++) {
      byte[] input = supplied.get(i);
      if (run(engine, input, protocol()).peData() == null) {
        continue; // law 9's business
      }
      Double counted = Costs.bytesPerCall(engine, protocol(), input, 2000);
      Assumptions.assumeTrue(counted != null, "this JVM does not count allocated bytes per thread");
      double bytes = Objects.requireNonNull(counted);
      if (bytes > allocationBudget() + 8) {
        throw new AssertionError(
            String.format(
                Locale.ROOT,
                "law 13 (a match allocates no more than its budget) violated: %.0f bytes per"
                    + " fillParam on a matching datagram of %,d bytes (budget %d: override"
                    + " allocationBudget() to declare what the engine needs)\n  text: %s",
                bytes,
                input.length,
                allocationBudget(),
                Shrink.printable(input)));
      }
    }
  }
}
