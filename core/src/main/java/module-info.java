/**
 * The pe4j core: Linux IPVS semantics for virtual services, real servers, schedulers, connection
 * templates with persistence engines, one-packet scheduling and ipvsadm command lines.
 */
module io.pe4j.core {
  requires transitive io.pe4j.api;
  requires transitive com.github.benmanes.caffeine;
  requires static org.jspecify;

  exports io.pe4j.core;
  exports io.pe4j.core.ipvsadm;

  uses io.pe4j.api.PersistenceEngine;
}
