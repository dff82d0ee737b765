package io.pe4j.testkit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import io.pe4j.testkit.gallery.Cases;
import java.util.List;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;
import org.junit.platform.engine.DiscoverySelector;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;

/** The contract refuses to pass having checked nothing. */
class VacuousContractTest {

  private static EngineExecutionResults run(String tries, DiscoverySelector... selectors) {
    String previous = System.getProperty("pe4j.tries");
    System.setProperty("pe4j.tries", tries);
    try {
      return EngineTestKit.engine("junit-jupiter").selectors(selectors).execute();
    } finally {
      if (previous == null) {
        System.clearProperty("pe4j.tries");
      } else {
        System.setProperty("pe4j.tries", previous);
      }
    }
  }

  private static List<String> containerFailures(EngineExecutionResults results) {
    return results.containerEvents().failed().stream()
        .map(
            e ->
                e.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                    .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable)
                    .map(Throwable::getMessage)
                    .orElse("?"))
        .collect(Collectors.toList());
  }

  @Test
  void aClassWhoseLawsAllAbortFailsAndSaysWhy() {
    EngineExecutionResults r =
        run(
            "50",
            selectMethod(Cases.NoTrafficCase.class, "law9_suppliedDatagramsMatchAndSessionsAgree"),
            selectMethod(Cases.NoTrafficCase.class, "law10_distinctSessionsGiveDistinctPeData"));
    assertEquals(2, r.testEvents().aborted().count(), "laws 9 and 10 abort without traffic");
    List<String> failures = containerFailures(r);
    assertEquals(1, failures.size(), failures.toString());
    assertTrue(failures.get(0).contains("NoTrafficCase"), failures.get(0));
    assertTrue(failures.get(0).contains("no law ran to its end (2 aborted"), failures.get(0));
  }

  @Test
  void control_oneLawThatPassesIsEnough() {
    EngineExecutionResults r =
        run(
            "50",
            selectMethod(Cases.NoTrafficCase.class, "law9_suppliedDatagramsMatchAndSessionsAgree"),
            selectMethod(Cases.NoTrafficCase.class, "law1_nameIsValidAndRegistered"));
    assertEquals(1, r.testEvents().succeeded().count());
    assertEquals(List.of(), containerFailures(r));
  }

  @Test
  void zeroTriesIsRefused() {
    EngineExecutionResults r =
        run("0", selectMethod(Cases.CorrectCase.class, "law2_fillParamNeverThrows"));
    assertEquals(1, r.testEvents().failed().count());
    String message =
        r.testEvents().failed().stream()
            .findFirst()
            .flatMap(
                e ->
                    e.getPayload(org.junit.platform.engine.TestExecutionResult.class)
                        .flatMap(org.junit.platform.engine.TestExecutionResult::getThrowable))
            .map(Throwable::getMessage)
            .orElse("");
    assertTrue(message.contains("-Dpe4j.tries=0 would check nothing"), message);
  }

  @Test
  void theSentinelForOldSurefireIsNoLawAndNamesTheFix() throws Exception {
    var sentinel =
        PersistenceEngineContract.class.getMethod("testThatSurefireRunsTheJUnitPlatform");
    assertFalse(sentinel.isAnnotationPresent(Test.class));
    AssertionError e =
        assertThrows(
            AssertionError.class,
            () -> new Cases.CorrectCase().testThatSurefireRunsTheJUnitPlatform());
    String message = String.valueOf(e.getMessage());
    assertTrue(message.contains("maven-surefire-plugin to 3.x"), message);
  }
}
