package io.pe4j.core;

import java.util.concurrent.ThreadLocalRandom;
import org.jspecify.annotations.Nullable;

/**
 * The least-load family: lc, wlc, sed, nq, fo, ovf, twos (spec §8); eligibility is {@link
 * Servers#eligible}.
 */
final class LoadSchedulers {

  private LoadSchedulers() {}

  /** lc / wlc: least {@code active*256 + inactive} (over weight for wlc); first in list on ties. */
  static @Nullable Destination leastOverhead(Servers s, boolean weighted) {
    int least = -1;
    long loh = 0;
    for (int i = 0; i < s.size(); i++) {
      if (!s.eligible(i)) {
        continue;
      }
      long doh = s.get(i).overhead();
      if (least < 0 || (weighted ? loh * s.weight(i) > doh * s.weight(least) : doh < loh)) {
        least = i;
        loh = doh;
      }
    }
    return least < 0 ? null : s.get(least);
  }

  /** sed: least {@code (active+1)/weight}; nq: the first server with no active connection first. */
  static @Nullable Destination shortestExpectedDelay(Servers s, boolean neverQueue) {
    int least = -1;
    long loh = 0;
    for (int i = 0; i < s.size(); i++) {
      if (!s.eligible(i)) {
        continue;
      }
      Destination d = s.get(i);
      long doh = d.activeConns() + 1L;
      if (neverQueue && d.activeConns() == 0) {
        return d;
      }
      if (least < 0 || loh * s.weight(i) > doh * s.weight(least)) {
        least = i;
        loh = doh;
      }
    }
    return least < 0 ? null : s.get(least);
  }

  /** fo: the highest weight, first in list on ties. */
  static @Nullable Destination failover(Servers s) {
    int best = -1;
    for (int i = 0; i < s.size(); i++) {
      if (s.eligible(i) && (best < 0 || s.weight(i) > s.weight(best))) {
        best = i;
      }
    }
    return best < 0 ? null : s.get(best);
  }

  /** ovf: the highest-weight server whose active connections are below its weight. */
  static @Nullable Destination overflow(Servers s) {
    int best = -1;
    for (int i = 0; i < s.size(); i++) {
      if (s.eligible(i)
          && s.get(i).activeConns() < s.weight(i)
          && (best < 0 || s.weight(i) > s.weight(best))) {
        best = i;
      }
    }
    return best < 0 ? null : s.get(best);
  }

  /** twos: two weighted-random picks, the one with the lower overhead per weight. */
  static @Nullable Destination twoChoices(Servers s) {
    long total = 0;
    for (int i = 0; i < s.size(); i++) {
      if (s.eligible(i)) {
        total += s.weight(i);
      }
    }
    if (total == 0) {
      return null;
    }
    int a = weightedPick(s, ThreadLocalRandom.current().nextLong(total));
    int b = weightedPick(s, ThreadLocalRandom.current().nextLong(total));
    if (a < 0 || b < 0) {
      return a < 0 ? (b < 0 ? null : s.get(b)) : s.get(a);
    }
    return (long) s.get(b).overhead() * s.weight(a) < (long) s.get(a).overhead() * s.weight(b)
        ? s.get(b)
        : s.get(a);
  }

  private static int weightedPick(Servers s, long r) {
    for (int i = 0; i < s.size(); i++) {
      if (s.eligible(i)) {
        r -= s.weight(i);
        if (r < 0) {
          return i;
        }
      }
    }
    return -1;
  }
}
