/** A Micrometer MeterBinder for the pe4j core, forwarder and health checks. */
module io.pe4j.metrics {
  requires transitive io.pe4j.forwarder;
  requires transitive micrometer.core;
  requires static org.jspecify;

  exports io.pe4j.metrics;
}
