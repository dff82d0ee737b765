package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Listeners are told what each publication changed; a batch is one change. */
class ConfigChangeTest {

  @Test
  void eachPublicationSaysWhatChanged() {
    Ipvs ipvs = Ipvs.builder().build();
    List<ConfigChange> seen = new ArrayList<>();
    ipvs.control().addListener(seen::add);
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr");
    VirtualService svc = ipvs.services().get(0);
    assertEquals(List.of(svc), seen.get(0).added());
    assertTrue(seen.get(0).servicesChanged());
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    assertEquals(List.of(svc), seen.get(1).serversChanged());
    assertTrue(!seen.get(1).servicesChanged() && seen.get(1).edited().isEmpty());
    ipvs.ipvsadm("-E -u 10.0.0.1:5060 -s wrr");
    assertEquals(List.of(svc), seen.get(2).edited());
    ipvs.ipvsadm("--set 0 0 10");
    assertTrue(seen.get(3).globalsChanged());
    ipvs.control()
        .batch(
            () -> {
              ipvs.ipvsadm("-A -u 10.0.0.2:5060 -s rr");
              ipvs.ipvsadm("-D -u 10.0.0.1:5060");
            });
    assertEquals(5, seen.size(), "a batch is one change");
    assertEquals(List.of(svc), seen.get(4).removed());
    assertEquals(List.of(ipvs.services().get(0)), seen.get(4).added());
    assertEquals(ipvs.control().generation(), seen.get(4).generation());
  }

  @Test
  void aFailingListenerNeverReachesTheWriter() {
    Ipvs ipvs = Ipvs.builder().build();
    ipvs.control()
        .addListener(
            c -> {
              throw new IllegalStateException("listener bug");
            });
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr");
    assertEquals(1, ipvs.services().size());
  }
}
