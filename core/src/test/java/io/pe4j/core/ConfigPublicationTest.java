package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * A datagram never sees half of a configuration change. Two complete configurations of one service
 * are flipped thousands of times while two threads process datagrams: A uses engine {@code e1} with
 * the failure policy DROP, B engine {@code e2} with FALLBACK; both engines never match. Every
 * verdict must be explainable by A (DROP for reason e1) or by B (FORWARD after an e2 failure): a
 * DROP for e2, or an e1 failure that was not dropped, is a datagram that read one configuration's
 * engine and the other's policy.
 */
class ConfigPublicationTest {

  /** An engine that never matches, with its name as the reason. */
  static PersistenceEngine failing(String name) {
    return new PersistenceEngine() {
      @Override
      public String name() {
        return name;
      }

      @Override
      public PeResult fillParam(ConnParam param, Datagram datagram) {
        return PeResult.noMatch(name);
      }
    };
  }

  @Test
  void datagramsSeeOneConfigurationOrTheOther_neverAMix() throws Exception {
    PersistenceEngines engines =
        new PersistenceEngines().register(failing("e1")).register(failing("e2"));
    Ipvs ipvs = Ipvs.builder().engines(engines).build();
    String a = "-E -u 10.0.0.1:5060 -s rr -p 60 --pe e1 -o --pe-failure drop";
    String b = "-E -u 10.0.0.1:5060 -s rr -p 60 --pe e2 -o";
    ipvs.ipvsadm(a.replace("-E", "-A"));
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong dropsE1 = new AtomicLong();
    AtomicLong forwards = new AtomicLong();
    List<String> mixes = java.util.Collections.synchronizedList(new ArrayList<>());
    List<Thread> workers = new ArrayList<>();
    for (int t = 0; t < 2; t++) {
      Thread w =
          new Thread(
              () -> {
                Datagram d = Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", new byte[] {1});
                while (!stop.get()) {
                  Verdict v = ipvs.process(d);
                  if (v.kind() == Verdict.Kind.DROP && v.reason().equals("e1")) {
                    dropsE1.incrementAndGet();
                  } else if (v.kind() == Verdict.Kind.FORWARD) {
                    forwards.incrementAndGet();
                  } else {
                    mixes.add(v.toString());
                  }
                }
              });
      w.start();
      workers.add(w);
    }
    for (int i = 0; i < 20_000; i++) {
      ipvs.ipvsadm(i % 2 == 0 ? b : a);
    }
    stop.set(true);
    for (Thread w : workers) {
      w.join();
    }
    VirtualService svc = ipvs.services().get(0);
    long e1Failures = svc.engineFailures().getOrDefault("e1", 0L);
    long e2Failures = svc.engineFailures().getOrDefault("e2", 0L);
    assertEquals(List.of(), mixes.subList(0, Math.min(5, mixes.size())), "DROP for e2: a mix");
    assertEquals(dropsE1.get(), e1Failures, "an e1 failure that was not dropped: a mix");
    assertEquals(forwards.get(), e2Failures, "a FORWARD without an e2 failure: a mix");
    assertTrue(dropsE1.get() > 0 && forwards.get() > 0, "both configurations were seen");
  }
}
