/** Example persistence engines beyond SIP: QUIC connection IDs, RADIUS stations, GTP-U tunnels. */
module io.pe4j.engine.examples {
  requires transitive io.pe4j.api;
  requires static org.jspecify;

  exports io.pe4j.engine.examples;

  // tag::provides[]
  provides io.pe4j.api.PersistenceEngine with
      io.pe4j.engine.examples.QuicEngine,
      io.pe4j.engine.examples.RadiusEngine,
      io.pe4j.engine.examples.GtpuEngine;
// end::provides[]
}
