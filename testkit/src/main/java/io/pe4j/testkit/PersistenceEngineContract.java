package io.pe4j.testkit;

import static io.pe4j.testkit.Trials.corpus;
import static io.pe4j.testkit.Trials.run;
import static io.pe4j.testkit.Trials.safeRun;

import io.pe4j.api.PeData;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.testkit.Trials.Outcome;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Objects;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.Test;

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
public abstract class PersistenceEngineContract extends CoreLaws {

  /** Creates the contract. */
  protected PersistenceEngineContract() {}

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
  // Laws 9 to 13 (1 to 8: CoreLaws)

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
        if (t / g.length / baseline > COST_RATIO_BOUND && t > COST_FLOOR_NANOS) {
          // confirmed by a longer measurement before it fails: a parse that rescans stays slow,
          // a pause of a busy host (a collection, the JIT compiler, another process) does not
          t = Math.min(t, Costs.bestNanosPerCall(engine, protocol(), g, 1, 4));
        }
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
