/** The reference {@code sip} persistence engine: SIP Call-ID persistence, as {@code --pe sip}. */
module io.pe4j.engine.sip {
  requires transitive io.pe4j.api;
  requires static org.jspecify;

  exports io.pe4j.engine.sip;

  provides io.pe4j.api.PersistenceEngine with
      io.pe4j.engine.sip.SipEngine;
}
