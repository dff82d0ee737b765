package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import com.github.benmanes.caffeine.cache.Ticker;
import java.util.ArrayList;
import java.util.Collections;
import java.util.HashMap;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;
import org.junit.jupiter.api.Test;

/**
 * The own table meets the template store contract, and what its own structure adds: lookups racing
 * the bins' growth, timers longer than a wheel round, removal times that move earlier, and a
 * randomized run against a model of exact expiry.
 */
class IntrusiveTemplateStoreTest extends TemplateStoreContract {

  @Override
  TemplateStore store(Ticker ticker, Consumer<Template> onExpired) {
    return new IntrusiveTemplateStore(ticker, onExpired);
  }

  /**
   * Growth relinks chains under lock-free lookups: a lookup must never miss a stored live template
   * meanwhile (without the search again under the lock, this failed within the first thousands of
   * lookups).
   */
  @Test
  void lookupsRacingGrowth_neverMissAStoredTemplate() throws Exception {
    List<Template> resident = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      Template t = template("resident-" + i, 3600);
      store.putIfAbsent(t, x -> {});
      resident.add(t);
    }
    List<TemplateKey> probes = new ArrayList<>();
    for (int i = 0; i < 64; i++) {
      probes.add(probe("resident-" + i));
    }
    AtomicBoolean done = new AtomicBoolean();
    AtomicReference<String> missed = new AtomicReference<>();
    Thread reader =
        new Thread(
            () -> {
              long now = clock.read();
              while (!done.get() && missed.get() == null) {
                for (int i = 0; i < probes.size(); i++) {
                  if (store.get(probes.get(i), now) != resident.get(i)) {
                    missed.set("resident-" + i);
                  }
                }
              }
            });
    reader.start();
    try {
      for (int i = 0; i < 200_000 && missed.get() == null; i++) {
        store.putIfAbsent(template("grow-" + i, 3600), x -> {}); // every stripe doubles many times
      }
    } finally {
      done.set(true);
      reader.join();
    }
    assertNull(missed.get(), "a lookup missed a stored template while the bins grew");
  }

  /** Timers of many wheel rounds (an hour, a day) end on time: not early, within the lag. */
  @Test
  void timersLongerThanAWheelRound_endOnTime() {
    Template hour = template("hour@h", 3600);
    Template day = template("day@h", 86_400);
    store.putIfAbsent(hour, x -> {});
    store.putIfAbsent(day, x -> {});
    for (long s = 1; s < 3600; s += 7) { // the wheel turns every few granules, as traffic would
      clock.seconds(s);
      store.cleanUp();
    }
    clock.atNanos(3600 * SECOND - 1);
    store.cleanUp();
    assertEquals(List.of(), expired, "not one round early, nor many");
    assertSame(hour, store.get(probe("hour@h"), clock.read()));
    clock.seconds(3601.1);
    store.cleanUp();
    assertEquals(List.of(hour), expired);
    clock.seconds(86_400 - 0.5); // one jump of many rounds
    store.cleanUp();
    assertEquals(List.of(hour), expired);
    assertSame(day, store.get(probe("day@h"), clock.read()));
    clock.seconds(86_401.1);
    store.cleanUp();
    assertEquals(List.of(hour, day), expired);
  }

  /**
   * A refresh that keeps a template alive across many rounds moves it in the wheel only when its
   * bucket comes round; it must never be expired while refreshed.
   */
  @Test
  void refreshedAcrossRounds_isNeverExpired() {
    Template t = template("busy@h", 60);
    store.putIfAbsent(t, x -> {});
    for (long ms = 500; ms < 1_000_000; ms += 500) {
      clock.atNanos(ms * 1_000_000L);
      Template found = store.get(probe("busy@h"), clock.read());
      assertSame(t, found, "at " + ms + " ms");
      store.expireAt(t, t.refresh(clock.read()), clock.read());
    }
    assertEquals(List.of(), expired);
    clock.atNanos(1_000_000_000_000L + 60 * SECOND + (long) (1.1 * SECOND));
    store.cleanUp();
    assertEquals(List.of(t), expired);
  }

  /**
   * A removal time moved into an earlier granule (a sync master's shorter timeout) moves the
   * template in the wheel at once: it leaves within the lag of its new time, not of its old one.
   */
  @Test
  void removalTimeMovedEarlier_expiresOnTheNewTime() {
    Template t = template("shortened@h", 300);
    store.putIfAbsent(t, x -> {});
    clock.seconds(10);
    store.expireAt(t, t.resync(clock.read(), 5 * SECOND), clock.read());
    clock.seconds(16.1);
    store.cleanUp();
    assertEquals(List.of(t), expired);
    assertTrue(!store.contains(t));
  }

  /**
   * {@code System.nanoTime} may be negative and pass zero while the store runs: granules are
   * counted with the sign, or the wheel would stop turning at zero (it did with an unsigned shift).
   */
  @Test
  void clockPassingZero_keepsTheWheelTurning() {
    java.util.concurrent.atomic.AtomicLong nanos = new java.util.concurrent.atomic.AtomicLong();
    nanos.set(-10 * SECOND);
    List<Template> told = new ArrayList<>();
    TemplateStore s = new IntrusiveTemplateStore(nanos::get, told::add);
    Template t = new Template(svc, probe("zero@h"), dest, 5060, nanos.get(), 60 * SECOND);
    s.putIfAbsent(t, x -> {});
    nanos.set(49 * SECOND);
    s.cleanUp();
    assertEquals(List.of(), told);
    assertSame(t, s.get(probe("zero@h"), nanos.get()));
    nanos.set(51_100_000_000L);
    s.cleanUp();
    assertEquals(List.of(t), told);
  }

  /** An invalidated template lives in the wheel only: removable, listed, never found. */
  @Test
  void invalidatedTemplate_isRemovableFromTheWheel() {
    Template t = template("inv@h", 60);
    store.putIfAbsent(t, x -> {});
    assertTrue(invalidate(t));
    assertTrue(store.contains(t));
    assertTrue(store.remove(t));
    assertTrue(!store.contains(t));
    assertEquals(List.of(), store.snapshot());
    clock.seconds(100);
    store.cleanUp();
    assertEquals(List.of(), expired, "a removed template is not told expired");
  }

  /**
   * Random creations, refreshes, shortened timers, removals, invalidations and clock steps (from a
   * millisecond to several wheel rounds), checked after each step against a model: a lookup sees a
   * template exactly while it is live; after a clean-up every template whose removal granule has
   * passed has been told expired, none still live has, none removed has, and none twice.
   */
  @Test
  void randomizedAgainstAModelOfExactExpiry() {
    long seed = Long.getLong("pe4j.seed", new Random().nextLong());
    System.out.println("IntrusiveTemplateStoreTest seed " + seed);
    Random rnd = new Random(seed);
    Map<String, Template> live = new HashMap<>(); // by Call-ID: the model's stored templates
    Set<Template> removed = Collections.newSetFromMap(new IdentityHashMap<>()); // equal keys
    List<Template> invalidated = new ArrayList<>();
    for (int step = 0; step < 20_000; step++) {
      String id = "c" + rnd.nextInt(200);
      long now = clock.read();
      switch (rnd.nextInt(8)) {
        case 0, 1 -> {
          Template fresh = template(id, 1 + rnd.nextInt(400));
          Template got = store.putIfAbsent(fresh, x -> {});
          Template known = live.get(id);
          if (known != null && known.liveAt(now)) {
            assertSame(known, got, "seed " + seed + " step " + step);
          } else {
            assertSame(fresh, got, "seed " + seed + " step " + step);
            live.put(id, fresh);
          }
        }
        case 2, 3 -> {
          Template t = store.get(probe(id), now);
          Template known = live.get(id);
          assertSame(
              known != null && known.liveAt(now) ? known : null,
              t,
              "seed " + seed + " step " + step + " lookup of " + id);
          if (t != null) {
            store.expireAt(t, t.refresh(now), now);
          }
        }
        case 4 -> {
          Template known = live.get(id);
          if (known != null && known.liveAt(now)) {
            store.expireAt(known, known.resync(now, (1 + rnd.nextInt(30)) * SECOND), now);
          }
        }
        case 5 -> {
          Template known = live.remove(id);
          if (known != null && store.remove(known)) {
            removed.add(known);
          }
        }
        case 6 -> {
          Template known = live.get(id);
          if (known != null && known.liveAt(now) && invalidate(known)) {
            live.remove(id);
            invalidated.add(known);
          }
        }
        default -> {
          int kind = rnd.nextInt(10);
          long delta =
              kind < 6
                  ? rnd.nextInt(1_000_000_000)
                  : kind < 9 ? rnd.nextInt(20) * SECOND : rnd.nextInt(600) * SECOND;
          clock.advanceNanos(delta);
          if (rnd.nextBoolean()) {
            store.cleanUp();
            checkExpiry(seed, step, live, invalidated, removed);
          }
        }
      }
    }
    clock.advanceNanos(1000 * SECOND);
    store.cleanUp();
    checkExpiry(seed, -1, live, invalidated, removed);
    assertEquals(List.of(), store.snapshot());
  }

  private void checkExpiry(
      long seed, int step, Map<String, Template> live, List<Template> inv, Set<Template> removed) {
    long now = clock.read();
    long turnedTo = now >>> Expiring.GRANULE_SHIFT;
    Set<Template> told = Collections.newSetFromMap(new IdentityHashMap<>());
    for (Template t : expired) {
      if (!told.add(t)) {
        fail("seed " + seed + " step " + step + ": told expired twice");
      }
      if (removed.contains(t)) {
        fail("seed " + seed + " step " + step + ": a removed template was told expired");
      }
      if (t.liveAt(now)) {
        fail("seed " + seed + " step " + step + ": a live template was told expired");
      }
    }
    List<Template> all = new ArrayList<>(live.values());
    all.addAll(inv);
    for (Template t : all) {
      long removal = t.removalAt();
      if ((removal >>> Expiring.GRANULE_SHIFT) < turnedTo && !told.contains(t)) {
        fail(
            "seed "
                + seed
                + " step "
                + step
                + ": not expired a granule after its removal time ("
                + removal
                + " at "
                + now
                + ")");
      }
      assertEquals(t.liveAt(now), store.contains(t) && t.liveAt(now));
    }
  }
}
