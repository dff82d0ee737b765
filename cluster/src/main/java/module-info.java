/** A template table shared by pe4j directors, on an embedded Hazelcast cluster. */
module io.pe4j.cluster {
  requires transitive io.pe4j.core;
  requires transitive com.hazelcast.core;
  requires static org.jspecify;

  exports io.pe4j.cluster;
}
