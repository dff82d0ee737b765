package io.pe4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

import io.pe4j.testkit.gallery.Cases;
import java.util.Set;
import java.util.TreeSet;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.platform.engine.support.descriptor.MethodSource;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * Every law can fail: each deliberately broken engine is caught by the law meant for its defect.
 */
class BrokenEngineGalleryTest {

  static Set<String> failedLaws(Class<?> testClass) {
    String previous = System.getProperty("pe4j.tries");
    System.setProperty("pe4j.tries", "300");
    try {
      Events events =
          EngineTestKit.engine("junit-jupiter")
              .selectors(selectClass(testClass))
              .execute()
              .testEvents();
      Set<String> failed = new TreeSet<>();
      events.failed().stream()
          .forEach(
              e ->
                  e.getTestDescriptor()
                      .getSource()
                      .filter(MethodSource.class::isInstance)
                      .map(s -> ((MethodSource) s).getMethodName())
                      .ifPresent(failed::add));
      assertEquals(9, events.started().count(), "all nine laws ran");
      return failed;
    } finally {
      if (previous == null) {
        System.clearProperty("pe4j.tries");
      } else {
        System.setProperty("pe4j.tries", previous);
      }
    }
  }

  @Test
  void correctEngine_passesEveryLaw() {
    assertEquals(Set.of(), failedLaws(Cases.CorrectCase.class));
  }

  @ParameterizedTest(name = "{0} is caught by {1}")
  @CsvSource({
    "NotRegisteredCase, law1_nameIsValidAndRegistered",
    "ThrowsOnGarbageCase, law2_fillParamNeverThrows",
    "ReadsOutsideItsSliceCase, law3_deterministicAndReadsOnlyItsWindow",
    "NonDeterministicCase, law3_deterministicAndReadsOnlyItsWindow",
    "MutatesTheBufferCase, law3_deterministicAndReadsOnlyItsWindow",
    "MatchWithoutPeDataCase, law4_peDataIsOneTo255Bytes",
    "MatchIgnoresKeyFieldsCase, law5_ctMatchIsReflexiveSymmetricAndKeyed",
    "HashIgnoresSeedCase, law6_hashKeyAgreesWithMatchAndUsesTheSeed",
    "HashInconsistentWithMatchCase, law6_hashKeyAgreesWithMatchAndUsesTheSeed",
    "PrintsCrLfCase, law7_showPeDataIsPrintable",
    "ThreadUnsafeCase, law8_concurrentFillParamMatchesSequential",
    "SplitsSessionsCase, law9_suppliedDatagramsMatchAndSessionsAgree"
  })
  void brokenEngine_isCaughtByItsLaw(String caseName, String law) throws ClassNotFoundException {
    Class<?> c = Class.forName(Cases.class.getName() + "$" + caseName);
    Set<String> failed = failedLaws(c);
    assertTrue(failed.contains(law), caseName + " should fail " + law + " but failed " + failed);
  }
}
