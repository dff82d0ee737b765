/**
 * The pe4j testkit: the persistence-engine contract an engine author extends, seeded generators
 * with shrinking, a virtual clock and a scenario harness for the IPVS core.
 */
module io.pe4j.testkit {
  requires transitive io.pe4j.api;
  requires transitive io.pe4j.core;
  requires transitive org.junit.jupiter.api;
  requires static org.jspecify;

  exports io.pe4j.testkit;

  uses io.pe4j.api.PersistenceEngine;
}
