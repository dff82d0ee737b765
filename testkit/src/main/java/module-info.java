/**
 * The pe4j testkit: the persistence-engine contract an engine author extends, with seeded
 * generators and shrinking. Depends on the SPI and JUnit only.
 */
module io.pe4j.testkit {
  requires transitive io.pe4j.api;
  requires transitive org.junit.jupiter.api;
  requires static org.jspecify;
  requires java.management;
  requires jdk.management;

  exports io.pe4j.testkit;

  // JUnit calls the laws (package-private methods) and the extension that checks that one ran
  opens io.pe4j.testkit to
      org.junit.platform.commons;

  uses io.pe4j.api.PersistenceEngine;
}
