package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

import com.github.benmanes.caffeine.cache.Ticker;
import io.pe4j.api.ConnParam;
import io.pe4j.api.PeData;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Consumer;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

/**
 * What every {@link TemplateStore} must guarantee (its javadoc's list), as tests a store's own test
 * class inherits: {@code class MyStoreTest extends TemplateStoreContract}.
 */
abstract class TemplateStoreContract {

  static final long SECOND = 1_000_000_000L;

  /** Returns the store under test, on {@code ticker}, telling {@code onExpired} of expiries. */
  abstract TemplateStore store(Ticker ticker, Consumer<Template> onExpired);

  VirtualClock clock;
  List<Template> expired;
  TemplateStore store;
  VirtualService svc;
  Destination dest;
  PersistenceEngine sip;

  @BeforeEach
  void setUp() {
    clock = new VirtualClock();
    expired = new CopyOnWriteArrayList<>();
    store = store(clock, expired::add);
    Ipvs ipvs = Ipvs.builder().ticker(clock).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 60 --pe sip -o");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    svc = ipvs.services().get(0);
    dest = svc.destinations().get(0);
    sip = java.util.Objects.requireNonNull(svc.engine());
  }

  TemplateKey probe(String callId) {
    ConnParam p = new ConnParam().set(false, Protocol.UDP, 0, 0, 0, 0, 0x0A000001L, 5060, sip);
    var unused = p.match(PeData.of(callId.getBytes(StandardCharsets.US_ASCII)));
    return new TemplateKey().probe(p, sip, 7);
  }

  Template template(String callId, long timeoutSeconds) {
    return new Template(svc, probe(callId), dest, 5060, clock.read(), timeoutSeconds * SECOND);
  }

  /**
   * Invalidates a stored template as {@code TemplateTable.invalidate} does; false if not stored.
   */
  boolean invalidate(Template t) {
    if (!store.remove(t)) {
      return false;
    }
    t.virtualPort = 0xffff;
    t.identityOnly();
    store.put(t, t.removalAt(), clock.read());
    return true;
  }

  @Test
  void get_findsTheTemplateUnderAnEqualKey_andNothingElse() {
    Template t = template("a@h", 60);
    assertSame(t, store.putIfAbsent(t, x -> {}));
    assertSame(t, store.get(probe("a@h"), clock.read()));
    assertNull(store.get(probe("b@h"), clock.read()));
    assertTrue(store.contains(t));
    assertEquals(List.of(t), store.snapshot());
  }

  @Test
  void visibility_isExact_onTheInjectedTicker() {
    Template t = template("a@h", 60);
    store.putIfAbsent(t, x -> {});
    clock.atNanos(60 * SECOND - 1);
    assertSame(
        t, store.get(probe("a@h"), clock.read()), "live one nanosecond before its removal time");
    clock.atNanos(60 * SECOND);
    assertNull(
        store.get(probe("a@h"), clock.read()), "gone at its removal time, before any clean-up");
  }

  @Test
  void expireAt_movesTheRemovalTime_refreshOnUse() {
    Template t = template("a@h", 60);
    store.putIfAbsent(t, x -> {});
    clock.seconds(50);
    store.expireAt(t, t.refresh(clock.read()), clock.read());
    clock.seconds(100);
    assertSame(t, store.get(probe("a@h"), clock.read()), "refreshed at 50 s: lives until 110 s");
    clock.seconds(110);
    assertNull(store.get(probe("a@h"), clock.read()));
  }

  /**
   * A refresh that moves the removal time by less than a second must count: Caffeine drops a read's
   * re-time by less than its 1 s tolerance, and the Caffeine store before the granule timer expired
   * such a template up to a second early (this test failed on it).
   */
  @Test
  void refreshBySubSecondSteps_keepsTheTemplateVisibleUntilItsRemovalTime() {
    Template t = template("a@h", 60);
    store.putIfAbsent(t, x -> {});
    clock.atNanos(500_000_000L);
    store.expireAt(t, t.refresh(clock.read()), clock.read()); // removal at 60.5 s
    clock.atNanos(60_300_000_000L);
    assertSame(t, store.get(probe("a@h"), clock.read()), "refreshed at 0.5 s: lives until 60.5 s");
    clock.atNanos(60_500_000_000L);
    assertNull(store.get(probe("a@h"), clock.read()));
  }

  /**
   * Refreshes less than a granule apart may leave the store's own timer where it was: visibility
   * must still follow each refresh to the nanosecond, and eviction stay within the stated lag.
   */
  @Test
  void refreshesWithinAGranule_keepVisibilityExact() {
    Template t = template("a@h", 60);
    store.putIfAbsent(t, x -> {});
    for (long ms = 50_000; ms <= 50_900; ms += 100) {
      clock.atNanos(ms * 1_000_000L);
      store.expireAt(t, t.refresh(clock.read()), clock.read());
    }
    clock.atNanos(110_900_000_000L - 1);
    assertSame(t, store.get(probe("a@h"), clock.read()), "the last refresh, at 50.9 s, counts");
    clock.atNanos(110_900_000_000L);
    assertNull(store.get(probe("a@h"), clock.read()));
    assertEquals(List.of(), store.snapshot(), "not listed past its removal time either");
    clock.atNanos(110_900_000_000L + (long) (1.1 * SECOND));
    store.cleanUp();
    assertEquals(List.of(t), expired, "evicted within the lag, once");
  }

  /**
   * A template past its removal time that the store has not evicted yet gives way to a new one of
   * the same key, and is told expired once.
   */
  @Test
  void creationAfterRemovalTime_replacesTheExpiredTemplate_beforeItsEviction() {
    Template old = template("a@h", 60);
    store.putIfAbsent(old, x -> {});
    clock.atNanos(60 * SECOND);
    Template newer = template("a@h", 60);
    List<Template> inserted = new ArrayList<>();
    assertSame(newer, store.putIfAbsent(newer, inserted::add), "the expired one is not returned");
    assertEquals(List.of(newer), inserted);
    assertSame(newer, store.get(probe("a@h"), clock.read()));
    clock.seconds(61.5);
    store.cleanUp();
    assertEquals(List.of(old), expired, "the old one expired once, the new one lives");
    assertEquals(List.of(newer), store.snapshot());
  }

  /**
   * A template that left (its timer, a removal) and a newer one of the same Call-ID are equal as
   * keys; removing or re-timing the old one must leave the newer one alone. (The eviction queue
   * still holds old templates: with value equality a stale eviction removed a live call's.)
   */
  @Test
  void removeAndExpireAt_ofAStaleTemplate_leaveTheNewerOneOfTheSameKeyAlone() {
    Template old = template("a@h", 60);
    store.putIfAbsent(old, x -> {});
    assertTrue(store.remove(old));
    Template newer = template("a@h", 60);
    assertSame(newer, store.putIfAbsent(newer, x -> {}));
    assertTrue(!store.remove(old), "the old one is not stored");
    assertTrue(!store.contains(old));
    store.expireAt(old, 0, clock.read());
    assertSame(
        newer,
        store.get(probe("a@h"), clock.read()),
        "the newer one is still stored, its timer kept");
    assertEquals(List.of(newer), store.snapshot());
    assertEquals(List.of(), expired);
  }

  @Test
  void expiry_tellsTheListenerOnce_removalDoesNot_withinTheStatedLag() {
    Template a = template("a@h", 60);
    Template b = template("b@h", 60);
    store.putIfAbsent(a, x -> {});
    store.putIfAbsent(b, x -> {});
    assertTrue(store.remove(b));
    assertTrue(!store.remove(b), "removed once");
    clock.atNanos(60 * SECOND + (long) (1.1 * SECOND));
    store.cleanUp();
    assertEquals(List.of(a), expired, "the expired one, once; the removed one never");
    store.cleanUp();
    assertEquals(1, expired.size());
    assertEquals(List.of(), store.snapshot());
  }

  @Test
  void put_storesUnderTheTemplatesCurrentKey_asInvalidationRekeys() {
    Template t = template("a@h", 60);
    store.putIfAbsent(t, x -> {});
    assertTrue(invalidate(t));
    assertNull(store.get(probe("a@h"), clock.read()), "the old key no longer finds it");
    assertEquals(List.of(t), store.snapshot(), "still listed");
    clock.seconds(61.2);
    store.cleanUp();
    assertEquals(List.of(t), expired);
  }

  @Test
  void creation_isAtomic_oneWinnerForRacingInserts() throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(4);
    try {
      for (int round = 0; round < 500; round++) {
        String id = "race-" + round;
        CyclicBarrier start = new CyclicBarrier(4);
        AtomicInteger inserts = new AtomicInteger();
        List<Future<Template>> results = new ArrayList<>();
        for (int k = 0; k < 4; k++) {
          results.add(
              pool.submit(
                  () -> {
                    Template mine = template(id, 60);
                    start.await();
                    return store.putIfAbsent(mine, x -> inserts.incrementAndGet());
                  }));
        }
        Template winner = results.get(0).get();
        for (Future<Template> f : results) {
          assertSame(winner, f.get(), "round " + round);
        }
        assertEquals(1, inserts.get(), "onInsert ran once, round " + round);
        assertSame(winner, store.get(probe(id), clock.read()));
      }
    } finally {
      pool.shutdownNow();
    }
  }
}
