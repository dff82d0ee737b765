package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A template that expired is unreachable once it left the table: a busy director's heap tracks its
 * live templates, not its bound. (Before, the table's creation order kept the newest {@code
 * --max-templates} templates linked whether they had expired or not: a soak at 3,000 new calls/s
 * with {@code -p 5} held the whole bound, 262,144 templates, where ~21,000 were live.)
 */
class TemplateHeapTest {

  private static final int BOUND = 1 << 18;
  private static final int CALLS = 1_000_000;
  private static final long CALL_GAP_NANOS = 333_333; // 3,000 new calls a second

  @Test
  void expiredTemplatesLeaveTheHeap() {
    VirtualClock clock = new VirtualClock();
    Ipvs ipvs = StoreUnderTest.builder().ticker(clock).maxTemplates(BOUND).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 5 --pe sip -o");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    long before = liveHeap();
    List<WeakReference<Template>> sampled = new ArrayList<>();
    for (int i = 0; i < CALLS; i++) {
      clock.advanceNanos(CALL_GAP_NANOS);
      Verdict v =
          ipvs.process(
              Packets.udp(
                  "198.51.100." + (1 + i % 200) + ":5060",
                  "10.0.0.1:5060",
                  Packets.invite("heap-" + i)));
      assertEquals(Verdict.Kind.FORWARD, v.kind(), v::toString);
      if (i % 100_000 == 50_000) { // the last sample is 50,000 calls (16.7 s) before the end
        List<Template> live = ipvs.templates.snapshot();
        for (int k = 0; k < live.size(); k += 25) {
          sampled.add(new WeakReference<>(live.get(k)));
        }
      }
    }
    long live = ipvs.templates.count();
    long after = liveHeap();
    int reachable = 0;
    for (WeakReference<Template> ref : sampled) {
      if (ref.get() != null) {
        reachable++;
      }
    }
    System.out.printf(
        "TemplateHeapTest (%s): %,d calls, %,d live templates, bound %,d; %,d of %,d expired"
            + " templates sampled still reachable; live heap %,d -> %,d bytes%n",
        StoreUnderTest.kind(), CALLS, live, BOUND, reachable, sampled.size(), before, after);
    assertTrue(live > 10_000 && live < 25_000, "live templates: " + live);
    assertEquals(0, reachable, "expired templates still reachable after a full GC");
    // ~18,000 live templates take a few MB; the bound's worth of dead ones took ~46 MB
    assertTrue(after - before < 24L << 20, "live heap grew by " + (after - before) + " bytes");
    assertTrue(sampled.size() > 5_000, "sampled " + sampled.size());
  }

  private static long liveHeap() {
    for (int i = 0; i < 3; i++) {
      System.gc();
    }
    Runtime rt = Runtime.getRuntime();
    return rt.totalMemory() - rt.freeMemory();
  }
}
