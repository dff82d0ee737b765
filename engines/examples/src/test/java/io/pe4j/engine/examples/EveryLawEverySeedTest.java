package io.pe4j.engine.examples;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectMethod;

import java.util.List;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Events;

/**
 * The example engines are correct on every seed, not on most: each runs the nine laws under 20
 * seeds drawn from a printed master seed (the testkit's gallery does the same for the broken
 * engines, which must fail every time).
 */
class EveryLawEverySeedTest {

  static final List<String> LAWS =
      List.of(
          "law1_nameIsValidAndRegistered",
          "law2_fillParamNeverThrows",
          "law3_deterministicAndReadsOnlyItsWindow",
          "law4_peDataIsOneTo255Bytes",
          "law5_ctMatchIsReflexiveSymmetricAndKeyed",
          "law6_hashKeyAgreesWithMatchAndUsesTheSeed",
          "law7_showPeDataIsPrintable",
          "law8_threadSafeAndStateless",
          "law9_suppliedDatagramsMatchAndSessionsAgree");

  @ParameterizedTest
  @ValueSource(
      strings = {
        "io.pe4j.engine.examples.QuicEngineTest",
        "io.pe4j.engine.examples.RadiusEngineTest",
        "io.pe4j.engine.examples.GtpuEngineTest",
        "io.pe4j.engine.examples.tutorial.CoapTokenEngineTest"
      })
  void exampleEngine_passesEveryLaw_onEverySeed(String name) throws ClassNotFoundException {
    Class<?> contract = Class.forName(name);
    long master = Long.getLong("pe4j.gallerySeed", System.nanoTime());
    System.out.println(
        contract.getSimpleName()
            + " master seed="
            + master
            + " (replay: -Dpe4j.gallerySeed="
            + master
            + ")");
    for (int i = 0; i < 20; i++) {
      long seed = master + i * 0x9E3779B97F4A7C15L;
      System.setProperty("pe4j.seed", Long.toString(seed));
      System.setProperty("pe4j.tries", "200");
      try {
        Events events =
            EngineTestKit.engine("junit-jupiter")
                .selectors(
                    LAWS.stream()
                        .map(law -> selectMethod(contract, law))
                        .toArray(org.junit.platform.engine.DiscoverySelector[]::new))
                .execute()
                .testEvents();
        assertEquals(9, events.started().count(), "all nine laws ran");
        assertEquals(
            0,
            events.failed().count(),
            contract.getSimpleName()
                + " failed with seed "
                + seed
                + ": "
                + events.failed().stream()
                    .map(e -> e.getTestDescriptor().getDisplayName() + " " + e.getPayload())
                    .toList());
      } finally {
        System.clearProperty("pe4j.seed");
        System.clearProperty("pe4j.tries");
      }
    }
  }
}
