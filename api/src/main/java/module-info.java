/**
 * The pe4j persistence-engine SPI: the Java shape of the kernel's {@code struct ip_vs_pe}, its
 * lookup parameter and the registry that finds engines by name.
 */
module io.pe4j.api {
  requires static transitive org.jspecify;

  exports io.pe4j.api;
  exports io.pe4j.api.internal to
      io.pe4j.core;

  uses io.pe4j.api.PersistenceEngine;
}
