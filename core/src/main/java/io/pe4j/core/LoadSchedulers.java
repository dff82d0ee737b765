package io.pe4j.core;

import static io.pe4j.core.LoadSchedulers.eligible;

import java.util.List;
import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * The least-load family: lc, wlc, sed, nq, fo, ovf, twos (spec §8), and the eligibility every
 * built-in scheduler shares.
 */
final class LoadSchedulers {

  private LoadSchedulers() {}

  static boolean eligible(Destination d) {
    return d.weight > 0 && !d.overloaded;
  }

  /** lc / wlc: least {@code active*256 + inactive} (over weight for wlc); first in list on ties. */
  static @Nullable Destination leastOverhead(VirtualService s, boolean weighted) {
    Destination least = null;
    long loh = 0;
    for (Destination d : s.destinations) {
      if (!eligible(d)) {
        continue;
      }
      long doh = d.overhead();
      if (least == null || (weighted ? loh * d.weight > doh * least.weight : doh < loh)) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }

  /** sed: least {@code (active+1)/weight}; nq: the first server with no active connection first. */
  static @Nullable Destination shortestExpectedDelay(VirtualService s, boolean neverQueue) {
    Destination least = null;
    long loh = 0;
    for (Destination d : s.destinations) {
      if (!eligible(d)) {
        continue;
      }
      long doh = d.activeConns() + 1L;
      if (neverQueue && d.activeConns() == 0) {
        return d;
      }
      if (least == null || loh * d.weight > doh * least.weight) {
        least = d;
        loh = doh;
      }
    }
    return least;
  }

  /** fo: the highest weight, first in list on ties. */
  static @Nullable Destination failover(VirtualService s) {
    Destination best = null;
    for (Destination d : s.destinations) {
      if (eligible(d) && (best == null || d.weight > best.weight)) {
        best = d;
      }
    }
    return best;
  }

  /** ovf: the highest-weight server whose active connections are below its weight. */
  static @Nullable Destination overflow(VirtualService s) {
    Destination best = null;
    for (Destination d : s.destinations) {
      if (eligible(d) && d.activeConns() < d.weight && (best == null || d.weight > best.weight)) {
        best = d;
      }
    }
    return best;
  }

  /** twos: two weighted-random picks, the one with the lower overhead per weight. */
  static @Nullable Destination twoChoices(VirtualService s) {
    List<Destination> list = s.destinations;
    long total = 0;
    for (Destination d : list) {
      if (eligible(d)) {
        total += d.weight;
      }
    }
    if (total == 0) {
      return null;
    }
    Destination a = weightedPick(list, ThreadLocalRandom.current().nextLong(total));
    Destination b = weightedPick(list, ThreadLocalRandom.current().nextLong(total));
    if (a == null || b == null) {
      return a == null ? b : a;
    }
    return (long) b.overhead() * a.weight < (long) a.overhead() * b.weight ? b : a;
  }

  private static @Nullable Destination weightedPick(List<Destination> list, long r) {
    for (Destination d : list) {
      if (eligible(d)) {
        r -= d.weight;
        if (r < 0) {
          return d;
        }
      }
    }
    return null;
  }
}
