package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.PeData;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * Random sequences of admin operations, datagrams (many Call-IDs, clients, invalid payloads) and
 * clock advances against a small reference model of the persistence rules. Invariants: a valid
 * template always wins over the scheduler; no datagram goes to a deleted destination; counters add
 * up; nothing throws; the template bound holds. Replay with {@code -Dpe4j.seed=N}.
 */
class RandomizedStatefulTest {

  private static final int STEPS = Integer.getInteger("pe4j.steps", 12_000);
  private static final long SECOND = 1_000_000_000L;
  private static final long TIMEOUT = 300 * SECOND;
  private static final long WHEEL_LAG = 1_100_000_000L;
  private static final int MAX_TEMPLATES = 24;
  private static final String FALLBACK_KEY = "(no Call-ID)";

  /** The model's view of a real server. */
  private static final class ModelDest {
    int weight = 1;
    boolean member = true;
  }

  /**
   * The model's view of a template: where it points, when it expires, and whether a datagram found
   * it after the one that created it (an established template is never evicted).
   */
  private record ModelTemplate(String dest, long expiresAt, boolean reused) {}

  @Test
  void randomOperations_matchTheReferenceModel() {
    long seed = Long.getLong("pe4j.seed", System.nanoTime());
    System.out.println(
        "RandomizedStatefulTest seed=" + seed + " (replay: -Dpe4j.seed=" + seed + ")");
    Random r = new Random(seed);
    boolean drop = r.nextBoolean();
    boolean expireQuiescent = r.nextBoolean();
    VirtualClock clock = new VirtualClock();
    Ipvs ipvs = StoreUnderTest.builder().ticker(clock).maxTemplates(MAX_TEMPLATES).build();
    ipvs.control().setExpireQuiescentTemplate(expireQuiescent);
    ipvs.ipvsadm(
        "-A -u 10.0.0.1:5060 -s rr -p 300 -M 0.0.0.0 --pe sip -o"
            + (drop ? " --pe-failure drop" : ""));
    Map<String, ModelDest> dests = new HashMap<>();
    for (int n = 1; n <= 3; n++) {
      ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10." + n + ":5060 -m");
      dests.put("192.168.10." + n, new ModelDest());
    }
    Map<String, ModelTemplate> templates = new HashMap<>();
    List<Long> dead = new ArrayList<>(); // invalidated templates still counting until they expire
    List<Long> expired = new ArrayList<>(); // expiry times of templates the model dropped recently
    long forwards = 0;
    VirtualService svc = ipvs.services().get(0);
    String context = "seed=" + seed + " drop=" + drop + " expireQuiescent=" + expireQuiescent;
    for (int step = 0; step < STEPS; step++) {
      String at = context + " step=" + step;
      int op = r.nextInt(100);
      long now = clock.read();
      if (op < 10) {
        clock.advanceSeconds(r.nextInt(4) == 0 ? r.nextInt(400) : r.nextDouble() * 30);
        continue;
      }
      if (op < 15) {
        String addr = pick(r, dests, true);
        if (addr != null) {
          int w = r.nextInt(4);
          ipvs.ipvsadm("-e -u 10.0.0.1:5060 -r " + addr + ":5060 -m -w " + w);
          java.util.Objects.requireNonNull(dests.get(addr)).weight = w;
        }
        continue;
      }
      if (op < 18) {
        String addr = pick(r, dests, true);
        if (addr != null) {
          ipvs.ipvsadm("-d -u 10.0.0.1:5060 -r " + addr + ":5060");
          java.util.Objects.requireNonNull(dests.get(addr)).member = false;
        }
        continue;
      }
      if (op < 21) {
        String addr = "192.168.10." + (1 + r.nextInt(4));
        ModelDest d =
            dests.computeIfAbsent(
                addr,
                a -> {
                  ModelDest fresh = new ModelDest();
                  fresh.member = false;
                  return fresh;
                });
        if (!d.member) {
          int w = 1 + r.nextInt(3);
          ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r " + addr + ":5060 -m -w " + w);
          d.member = true;
          d.weight = w;
        }
        continue;
      }
      // a datagram
      String key;
      byte[] payload;
      if (op < 26) {
        key = FALLBACK_KEY;
        payload = r.nextBoolean() ? "\r\n\r\n".getBytes(StandardCharsets.US_ASCII) : garbage(r);
      } else {
        key = "call-" + r.nextInt(60) + "@h";
        payload = Packets.invite(key);
      }
      String client =
          "198.51." + r.nextInt(256) + "." + r.nextInt(256) + ":" + (1024 + r.nextInt(60000));
      templates
          .values()
          .removeIf(
              t -> {
                if (t.expiresAt() <= now) {
                  expired.add(t.expiresAt());
                  return true;
                }
                return false;
              });
      dead.removeIf(
          e -> {
            if (e <= now) {
              expired.add(e);
              return true;
            }
            return false;
          });
      expired.removeIf(e -> e <= now - WHEEL_LAG);
      long refusedBefore = svc.templatesRefused();
      long evictedBefore = svc.templatesEvicted();
      Verdict v = ipvs.process(Packets.udp(client, "10.0.0.1:5060", payload));
      if (key.equals(FALLBACK_KEY) && drop) {
        assertEquals(Verdict.Kind.DROP, v.kind(), at);
        continue;
      }
      ModelTemplate t = templates.get(key);
      if (t != null) {
        ModelDest d = java.util.Objects.requireNonNull(dests.get(t.dest()));
        boolean valid = d.member && !(expireQuiescent && d.weight == 0);
        if (valid) {
          assertEquals(
              "FORWARD " + t.dest() + ":5060", v.toString(), at + " template hit must win");
          templates.put(key, new ModelTemplate(t.dest(), now + TIMEOUT, true));
          forwards++;
          continue;
        }
        templates.remove(key);
        dead.add(t.expiresAt());
      }
      boolean anyEligible = dests.values().stream().anyMatch(d -> d.member && d.weight > 0);
      if (!anyEligible) {
        assertEquals(Verdict.Kind.NO_DEST, v.kind(), at);
        continue;
      }
      assertEquals(Verdict.Kind.FORWARD, v.kind(), at);
      String chosen = String.valueOf(v.address());
      ModelDest d = dests.get(chosen);
      assertTrue(
          d != null && d.member && d.weight > 0,
          at + " scheduled to an ineligible or deleted server " + chosen);
      forwards++;
      boolean refused = svc.templatesRefused() > refusedBefore;
      boolean evicted = svc.templatesEvicted() > evictedBefore;
      int modelCount = templates.size() + dead.size();
      if (evicted) {
        // the template that left must be one that never became established
        java.util.Set<String> inCore = new java.util.HashSet<>();
        for (Template ct : ipvs.templates.snapshot()) {
          if (!ct.invalidated) {
            PeData pd = ct.peData;
            inCore.add(pd == null ? FALLBACK_KEY : pd.toPrintableString());
          }
        }
        List<String> gone = new ArrayList<>();
        templates.forEach(
            (k, mt) -> {
              if (!inCore.contains(k) && !k.equals(key)) {
                gone.add(k);
              }
            });
        assertEquals(1, gone.size(), at + " one template evicted: " + gone);
        ModelTemplate victim = java.util.Objects.requireNonNull(templates.remove(gone.get(0)));
        assertTrue(!victim.reused(), at + " evicted an established template " + gone);
        assertTrue(!refused, at + " evicted and refused");
      }
      if (modelCount >= MAX_TEMPLATES) {
        assertTrue(refused || evicted, at + " the bound must refuse or evict at " + modelCount);
      } else if (refused || evicted) {
        long lagging = expired.size(); // expired, but perhaps not yet evicted by the timer wheel
        assertTrue(
            modelCount + lagging >= MAX_TEMPLATES,
            at + " refused or evicted with room: " + modelCount + " + " + lagging);
      }
      if (!refused) {
        templates.put(key, new ModelTemplate(chosen, now + TIMEOUT, false));
      }
      assertTrue(ipvs.templateCount() <= MAX_TEMPLATES, at + " bound");
      if (step % 500 == 0) {
        assertCounters(ipvs, svc, forwards, at);
      }
    }
    assertCounters(ipvs, svc, forwards, context + " end");
  }

  private static void assertCounters(Ipvs ipvs, VirtualService svc, long forwards, String at) {
    assertEquals(forwards, svc.counters().conns(), at + " service conns");
    assertEquals(forwards, svc.counters().inPackets(), at + " service inpkts");
    long destConns = 0;
    for (Destination d : svc.destinations) {
      destConns += d.counters().conns();
    }
    for (Destination d : svc.trash) {
      destConns += d.counters().conns();
    }
    assertTrue(destConns <= forwards, at + " destination conns exceed the service's");
  }

  private static @Nullable String pick(Random r, Map<String, ModelDest> dests, boolean member) {
    List<String> c = new ArrayList<>();
    dests.forEach(
        (a, d) -> {
          if (d.member == member) {
            c.add(a);
          }
        });
    c.sort(null);
    return c.isEmpty() ? null : c.get(r.nextInt(c.size()));
  }

  private static byte[] garbage(Random r) {
    byte[] b = new byte[r.nextInt(200)];
    r.nextBytes(b);
    if (b.length > 0) {
      b[0] = 0x01; // STUN-like: never a SIP start line
    }
    return b;
  }
}
