package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.engine.sip.SipEngine;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;

class TemplateTableTest {

  @Test
  void racingThreadsOnANewKey_getOneTemplateAndOneDestination() throws Exception {
    VirtualClock clock = new VirtualClock();
    Ipvs ipvs = Packets.f1(clock, "");
    ExecutorService pool = Executors.newFixedThreadPool(2);
    try {
      CyclicBarrier barrier = new CyclicBarrier(2);
      int iterations = 2000;
      for (int i = 0; i < iterations; i++) {
        byte[] msg = Packets.invite("race-" + i + "@h");
        Future<Verdict> a =
            pool.submit(
                () -> {
                  barrier.await(5, TimeUnit.SECONDS);
                  return ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", msg));
                });
        Future<Verdict> b =
            pool.submit(
                () -> {
                  barrier.await(5, TimeUnit.SECONDS);
                  return ipvs.process(Packets.udp("198.51.100.10:5070", "10.0.0.1:5060", msg));
                });
        Destination da = a.get().destination();
        Destination db = b.get().destination();
        assertNotNull(da);
        assertEquals(da, db, "iteration " + i);
        assertEquals(i + 1, ipvs.templateCount(), "iteration " + i);
      }
      int persist = 0;
      for (Destination d : ipvs.services().get(0).destinations()) {
        persist += d.persistConns();
      }
      assertEquals(iterations, persist);
    } finally {
      pool.shutdownNow();
    }
  }

  @Test
  void fullTable_ofEstablishedTemplates_schedulesWithoutATemplateAndCountsIt() {
    VirtualClock clock = new VirtualClock();
    Ipvs ipvs = StoreUnderTest.builder().ticker(clock).maxTemplates(2).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 300 --pe sip -o");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    for (int i = 0; i < 2; i++) { // two calls of two datagrams each: established
      for (int k = 0; k < 2; k++) {
        ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("k" + i)));
      }
    }
    for (int i = 2; i < 5; i++) {
      Verdict v =
          ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("k" + i)));
      assertEquals(Verdict.Kind.FORWARD, v.kind());
    }
    assertEquals(2, ipvs.templateCount());
    assertEquals(3, ipvs.services().get(0).templatesRefused());
    assertEquals(0, ipvs.services().get(0).templatesEvicted());
    // existing templates still work, none was evicted
    ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("k0")));
    assertEquals(2, ipvs.templateCount());
    clock.seconds(
        301.1); // once they expire (and the timer wheel's ~1.07 s bucket passed), room comes back
    ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("k9")));
    assertEquals(1, ipvs.templateCount());
  }

  /**
   * A template past its removal time may wait up to a timer granule (about 1.07 s) for the store to
   * remove it. A full table meeting such a template in its eviction order removes it as the expired
   * template it is: the new call gets its template, and nothing is counted as evicted.
   */
  @Test
  void fullTable_removesATemplatePastItsTime_asExpired_notEvicted() {
    VirtualClock clock = new VirtualClock();
    Ipvs ipvs = StoreUnderTest.builder().ticker(clock).maxTemplates(2).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 60 --pe sip -o");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    VirtualService svc = ipvs.services().get(0);
    for (int i = 0; i < 2; i++) {
      ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("old" + i)));
    }
    // 60.05 s: both are past their 60 s, inside the granule [59.06 s, 60.13 s) that holds it
    clock.atNanos(60_050_000_000L);
    Verdict v =
        ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("new")));
    assertEquals(Verdict.Kind.FORWARD, v.kind());
    assertEquals(0, svc.templatesRefused());
    assertEquals(0, svc.templatesEvicted(), "an expired template is not an eviction");
    assertTrue(
        ipvs.ipvsadm("-Lcn --persistent-conn").contains("new"), "the new call has its template");
    clock.seconds(61.5);
    assertEquals(1, ipvs.templateCount());
  }

  @Test
  void fullTable_evictsTheOldestTemplateThatSawOneDatagram_neverAnEstablishedOne() {
    VirtualClock clock = new VirtualClock();
    Ipvs ipvs = StoreUnderTest.builder().ticker(clock).maxTemplates(4).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 300 --pe sip -o");
    for (int n = 1; n <= 3; n++) {
      ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10." + n + ":5060 -m");
    }
    VirtualService svc = ipvs.services().get(0);
    Verdict call =
        ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("call")));
    // a flood of one-datagram keys, eight times the bound, between the call's datagrams
    for (int i = 0; i < 32; i++) {
      ipvs.process(Packets.udp("203.0.113.9:5060", "10.0.0.1:5060", Packets.invite("flood-" + i)));
      if (i == 1) { // the call's second datagram establishes its template
        assertEquals(
            call,
            ipvs.process(
                Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("call"))));
      }
    }
    assertEquals(4, ipvs.templateCount());
    assertEquals(0, svc.templatesRefused());
    assertEquals(32 + 1 - 4, svc.templatesEvicted());
    for (int i = 0; i < 10; i++) { // the call stays whole, and so do the newest flood keys
      assertEquals(
          call,
          ipvs.process(Packets.udp("198.51.100.10:5070", "10.0.0.1:5060", Packets.invite("call"))));
    }
    assertEquals(
        "UDP  10.0.0.1:5060                sip        (templates evicted: one datagram) 29",
        ipvs.ipvsadm("-L --pe-stats")
            .lines()
            .filter(l -> l.contains("evicted"))
            .findFirst()
            .orElse(""));
  }

  @Test
  void throwingEngine_isCountedAsEngineErrorAndNeverEscapes() {
    PersistenceEngine bad =
        new PersistenceEngine() {
          @Override
          public String name() {
            return "bad";
          }

          @Override
          public PeResult fillParam(ConnParam param, Datagram datagram) {
            throw new IllegalStateException("boom");
          }
        };
    Ipvs ipvs = StoreUnderTest.builder().engines(new PersistenceEngines().register(bad)).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 300 --pe bad -o --pe-failure drop");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    Verdict v = ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", new byte[] {1}));
    assertEquals("DROP engine error", v.toString());
    assertEquals(1L, ipvs.services().get(0).engineFailures().get("engine error"));
  }

  @Test
  void engineInUse_cannotBeUnregistered_untilServiceAndTemplatesAreGone() {
    VirtualClock clock = new VirtualClock();
    PersistenceEngines engines = new PersistenceEngines().register(new SipEngine());
    Ipvs ipvs = StoreUnderTest.builder().ticker(clock).engines(engines).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 300 --pe sip -o");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("x")));
    IllegalStateException e =
        assertThrows(IllegalStateException.class, () -> engines.unregister("sip"));
    assertEquals(
        "persistence engine 'sip' is in use by service UDP 10.0.0.1:5060, templates of UDP 10.0.0.1:5060",
        e.getMessage());
    ipvs.ipvsadm("-E -u 10.0.0.1:5060 -s rr -p 300 -o");
    assertEquals(1, engines.uses("sip")); // the template keeps its engine until it expires
    clock.seconds(301.1); // removed within the store's stated lag after its 300 s
    ipvs.cleanUp();
    assertEquals(0, engines.uses("sip"));
    engines.unregister("sip");
  }
}
