package io.pe4j.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.NoSuchElementException;
import org.junit.jupiter.api.Test;

class PersistenceEnginesTest {

  static PersistenceEngine named(String name) {
    return new PersistenceEngine() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public PeResult fillParam(ConnParam param, Datagram datagram) {
        return PeResult.noMatch("never");
      }
    };
  }

  @Test
  void register_findsByExactCaseSensitiveName() {
    PersistenceEngine e = named("sip");
    PersistenceEngines r = new PersistenceEngines().register(e);
    assertSame(e, r.get("sip"));
    assertNull(r.get("SIP"));
    assertNull(r.get("si"));
  }

  @Test
  void register_refusesADuplicateName() {
    PersistenceEngines r = new PersistenceEngines().register(named("sip"));
    IllegalArgumentException e =
        assertThrows(IllegalArgumentException.class, () -> r.register(named("sip")));
    assertTrue(String.valueOf(e.getMessage()).contains("'sip' already registered"), e.getMessage());
  }

  @Test
  void register_refusesInvalidNames() {
    PersistenceEngines r = new PersistenceEngines();
    for (String bad :
        new String[] {"", "seventeen-chars-x", "has space", "tab\t", "caf\u00e9", "line\n"}) {
      assertThrows(IllegalArgumentException.class, () -> r.register(named(bad)), bad);
    }
    r.register(named("sixteen-chars-ok"));
    assertEquals(1, r.engines().size());
  }

  @Test
  void unregister_refusesWhileInUse_andSaysByWhom() {
    PersistenceEngines r = new PersistenceEngines().register(named("sip"));
    PersistenceEngine e = r.acquire("sip", "service UDP 10.0.0.1:5060");
    r.acquire("sip", "templates of UDP 10.0.0.1:5060");
    r.acquire("sip", "templates of UDP 10.0.0.1:5060");
    assertEquals(3, r.uses("sip"));
    IllegalStateException ex = assertThrows(IllegalStateException.class, () -> r.unregister("sip"));
    assertEquals(
        "persistence engine 'sip' is in use by service UDP 10.0.0.1:5060, templates of UDP 10.0.0.1:5060 (2)",
        ex.getMessage());
    r.release(e, "service UDP 10.0.0.1:5060");
    r.release(e, "templates of UDP 10.0.0.1:5060");
    r.release(e, "templates of UDP 10.0.0.1:5060");
    assertEquals(0, r.uses("sip"));
    assertSame(e, r.unregister("sip"));
    assertNull(r.get("sip"));
  }

  @Test
  void acquire_unknownEngine_namesItAndTheKnownOnes() {
    PersistenceEngines r = new PersistenceEngines().register(named("sip")).register(named("quic"));
    NoSuchElementException e =
        assertThrows(NoSuchElementException.class, () -> r.acquire("nosuch", "x"));
    assertEquals(
        "no persistence engine named 'nosuch' was found (engines found: quic, sip); an engine is"
            + " found through ServiceLoader: its jar must list it in"
            + " META-INF/services/io.pe4j.api.PersistenceEngine (ipvsadm: persistence engine"
            + " module ip_vs_pe_nosuch not found)",
        e.getMessage());
  }

  /** The first mistake of an embedder: pe4j-core alone, without the sip engine's jar. */
  @Test
  void acquire_aKnownEngineWhoseJarIsMissing_namesTheArtifact() {
    PersistenceEngines none = new PersistenceEngines();
    NoSuchElementException e =
        assertThrows(NoSuchElementException.class, () -> none.acquire("sip", "x"));
    assertEquals(
        "no persistence engine named 'sip' was found (engines found: none); the sip engine is in"
            + " io.pe4j:pe4j-engine-sip: add it to the class path (ipvsadm: persistence engine"
            + " module ip_vs_pe_sip not found)",
        e.getMessage());
  }

  @Test
  void release_ofAnotherInstanceWithTheSameName_isIgnored() {
    PersistenceEngines r = new PersistenceEngines().register(named("sip"));
    r.acquire("sip", "h");
    r.release(named("sip"), "h");
    assertEquals(1, r.uses("sip"));
  }

  @Test
  void installed_onTheApiAlone_findsNoEngine() {
    assertTrue(PersistenceEngines.installed().engines().isEmpty());
  }
}
