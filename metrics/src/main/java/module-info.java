/**
 * Micrometer MeterBinders for pe4j: {@code Pe4jMetrics} for the core (any host), {@code
 * ForwarderMetrics} for the forwarder and health checks (optional: needs pe4j-forwarder).
 */
module io.pe4j.metrics {
  requires transitive io.pe4j.core;
  requires static io.pe4j.forwarder;
  requires transitive micrometer.core;
  requires static org.jspecify;

  exports io.pe4j.metrics;
}
