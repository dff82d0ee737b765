package io.pe4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import io.pe4j.api.PersistenceEngines;
import io.pe4j.testkit.gallery.Cases;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

/**
 * Every law can fail, every time: each deliberately broken engine (one realistic defect each) is
 * caught by the law meant for its defect under 20 different seeds, and the correct engine passes
 * every law under the same 20 seeds.
 */
class BrokenEngineGalleryTest {

  static final int SEEDS = 20;
  static final int TRIES = 200;

  /** The 20 seeds of this run, from a master seed that is printed. */
  static List<Long> seeds() {
    long master = Long.getLong("pe4j.gallerySeed", System.nanoTime());
    System.out.println(
        "gallery master seed=" + master + " (replay: -Dpe4j.gallerySeed=" + master + ")");
    List<Long> seeds = new ArrayList<>();
    for (int i = 0; i < SEEDS; i++) {
      seeds.add(master + i * 0x9E3779B97F4A7C15L);
    }
    return seeds;
  }

  /** Runs the selected laws with a seed; returns the failed ones, and their events. */
  static Events run(long seed, DiscoverySelector selector) {
    String previousTries = System.getProperty("pe4j.tries");
    String previousSeed = System.getProperty("pe4j.seed");
    System.setProperty("pe4j.tries", Integer.toString(TRIES));
    System.setProperty("pe4j.seed", Long.toString(seed));
    try {
      return EngineTestKit.engine("junit-jupiter").selectors(selector).execute().testEvents();
    } finally {
      restore("pe4j.tries", previousTries);
      restore("pe4j.seed", previousSeed);
    }
  }

  private static void restore(String key, String value) {
    if (value == null) {
      System.clearProperty(key);
    } else {
      System.setProperty(key, value);
    }
  }

  static Set<String> failedLaws(Events events) {
    Set<String> failed = new TreeSet<>();
    events.failed().stream()
        .forEach(
            e ->
                e.getTestDescriptor()
                    .getSource()
                    .filter(MethodSource.class::isInstance)
                    .map(s -> ((MethodSource) s).getMethodName())
                    .ifPresent(failed::add));
    return failed;
  }

  @Test
  void correctEngine_passesEveryLaw_onEverySeed() {
    for (long seed : seeds()) {
      Events events = run(seed, selectClass(Cases.CorrectCase.class));
      assertEquals(13, events.started().count(), "all thirteen laws ran");
      assertEquals(Set.of(), failedLaws(events), "seed " + seed);
    }
  }

  @Test
  void sipEngine_passesEveryLaw_onEverySeed() {
    for (long seed : seeds()) {
      Events events = run(seed, selectClass(SipEngineContractTest.class));
      assertEquals(13, events.started().count(), "all thirteen laws ran");
      assertEquals(Set.of(), failedLaws(events), "seed " + seed);
    }
  }

  @ParameterizedTest(name = "{0} is caught by {1} on every seed")
  @CsvSource({
    "NotRegisteredCase, law1_nameIsValidAndRegistered",
    "BadNameCase, law1_nameIsValidAndRegistered",
    "ThrowsOnGarbageCase, law2_fillParamNeverThrows",
    "TrustsLengthByteCase, law2_fillParamNeverThrows",
    "ThrowsOnBangCase, law2_fillParamNeverThrows",
    "ReadsOutsideItsSliceCase, law3_deterministicAndReadsOnlyItsWindow",
    "NonDeterministicCase, law3_deterministicAndReadsOnlyItsWindow",
    "MutatesTheBufferCase, law3_deterministicAndReadsOnlyItsWindow",
    "ArrayOffsetIgnoredCase, law3_deterministicAndReadsOnlyItsWindow",
    "MovesThePositionCase, law3_deterministicAndReadsOnlyItsWindow",
    "AssumesHeapBufferCase, law3_deterministicAndReadsOnlyItsWindow",
    "AssumesWritableArrayCase, law3_deterministicAndReadsOnlyItsWindow",
    "MatchWithoutPeDataCase, law4_peDataIsOneTo255Bytes",
    "IgnoresMatchResultCase, law4_peDataIsOneTo255Bytes",
    "MatchIgnoresKeyFieldsCase, law5_ctMatchIsReflexiveSymmetricAndKeyed",
    "PrefixCtMatchCase, law5_ctMatchIsReflexiveSymmetricAndKeyed",
    "MatchIgnoresProtocolCase, law5_ctMatchIsReflexiveSymmetricAndKeyed",
    "HashIgnoresSeedCase, law6_hashKeyAgreesWithMatchAndUsesTheSeed",
    "HashInconsistentWithMatchCase, law6_hashKeyAgreesWithMatchAndUsesTheSeed",
    "HashIncludesClientCase, law6_hashKeyAgreesWithMatchAndUsesTheSeed",
    "PrintsCrLfCase, law7_showPeDataIsPrintable",
    "PrintsRawControlsCase, law7_showPeDataIsPrintable",
    "ThreadUnsafeCase, law8_threadSafeAndStateless",
    "StaticScratchCase, law8_threadSafeAndStateless",
    "SplitsSessionsCase, law9_suppliedDatagramsMatchAndSessionsAgree",
    "DropsLastByteWithoutNewlineCase, law9_suppliedDatagramsMatchAndSessionsAgree",
    "TruncatesKeyCase, law10_distinctSessionsGiveDistinctPeData",
    "RescansEarlierLinesCase, law11_costPerByteStaysFlatUpTo64KB",
    "LowerCasesWithHostLocaleCase, law12_resultsDoNotDependOnTheHostLocale",
    "DecodesWithDefaultCharsetCase, law12_resultsDoNotDependOnTheHostLocale",
    "CopiesThePayloadCase, law13_aMatchAllocatesNoMoreThanItsBudget"
  })
  void brokenEngine_isCaughtByItsLaw_onEverySeed(String caseName, String law)
      throws ClassNotFoundException {
    Class<?> c = Class.forName(Cases.class.getName() + "$" + caseName);
    for (long seed : seeds()) {
      Events events = run(seed, selectMethod(c, law));
      assertEquals(1, events.started().count(), law + " ran");
      assertEquals(
          Set.of(law), failedLaws(events), caseName + " escaped " + law + " with seed " + seed);
    }
  }

  /**
   * The defects of laws 10 to 13 escape every other law: each new law is the only one that sees
   * them (three seeds; the per-law test above runs twenty).
   */
  @ParameterizedTest(name = "{0} fails only {1}")
  @CsvSource({
    "TruncatesKeyCase, law10_distinctSessionsGiveDistinctPeData",
    "RescansEarlierLinesCase, law11_costPerByteStaysFlatUpTo64KB",
    "LowerCasesWithHostLocaleCase, law12_resultsDoNotDependOnTheHostLocale",
    "DecodesWithDefaultCharsetCase, law12_resultsDoNotDependOnTheHostLocale",
    "CopiesThePayloadCase, law13_aMatchAllocatesNoMoreThanItsBudget"
  })
  void newLawsDefects_escapeEveryOtherLaw(String caseName, String law)
      throws ClassNotFoundException {
    Class<?> c = Class.forName(Cases.class.getName() + "$" + caseName);
    for (long seed : seeds().subList(0, 3)) {
      Events events = run(seed, selectClass(c));
      assertEquals(13, events.started().count(), "all thirteen laws ran");
      assertEquals(Set.of(law), failedLaws(events), caseName + " with seed " + seed);
    }
  }

  /** Law 9's report keeps its counterexample: shrinking keeps the reason, not just "no match". */
  @Test
  void shrinking_keepsTheKindOfFailure() {
    Events events =
        run(
            42,
            selectMethod(
                Cases.DropsLastByteWithoutNewlineCase.class,
                "law9_suppliedDatagramsMatchAndSessionsAgree"));
    Event failed = events.failed().stream().findFirst().orElseThrow();
    String message =
        String.valueOf(
            failed
                .getPayload(org.junit.platform.engine.TestExecutionResult.class)
                .orElseThrow()
                .getThrowable()
                .orElseThrow()
                .getMessage());
    assertTrue(message.contains("no match: pe data empty"), message);
    assertTrue(message.contains("text: KEY x"), "the counterexample kept its value: " + message);
  }

  /** A provider with an invalid name is reported and skipped; the jar's other engines load. */
  @Test
  void discovery_skipsAnInvalidProvider_andReportsIt() {
    PersistenceEngines installed = PersistenceEngines.installed();
    assertNotNull(installed.get("gallery-key"));
    assertNotNull(installed.get("gallery-static"));
    assertTrue(
        installed.problems().stream()
            .anyMatch(
                p ->
                    p.startsWith("io.pe4j.testkit.gallery.Broken$BadName skipped: ")
                        && p.contains("bad name")),
        installed.problems().toString());
  }
}
