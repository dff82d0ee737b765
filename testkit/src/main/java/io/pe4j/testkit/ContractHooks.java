package io.pe4j.testkit;

import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Function;
import java.util.function.Predicate;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.TestInfo;
import org.junit.jupiter.api.extension.ExtendWith;

/**
 * The contract's hooks (what an author supplies) and what every law shares: the seed, the number of
 * cases, and the failure report. See {@link PersistenceEngineContract}.
 */
@ExtendWith(LawsRan.class)
abstract class ContractHooks {

  long seed;
  int tries;
  String replay = "";

  ContractHooks() {}

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

  // ---------------------------------------------------------------------------------------------
  // Outcomes

  final List<byte[]> supplied() {
    List<byte[]> out = new ArrayList<>(matchingDatagrams());
    for (List<byte[]> s : sessions()) {
      out.addAll(s);
    }
    return out;
  }

  final void fail(String law, byte[] input, Predicate<byte[]> stillFails, String detail) {
    fail(law, input, stillFails, x -> detail);
  }

  /**
   * Shrinks {@code input} while it still fails and reports the shrunk input, with the detail
   * computed for that same input (not for the one before shrinking).
   */
  final void fail(
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
}
