package io.pe4j.core;

import io.pe4j.api.Datagram;
import org.jspecify.annotations.Nullable;

/** The round-robin family: rr and wrr (spec §8). */
final class RoundRobinSchedulers {

  private RoundRobinSchedulers() {}

  /** rr: the next eligible server after the last pick, in list order. */
  static final class RoundRobin implements Scheduler {
    private @Nullable Destination last;

    @Override
    public synchronized @Nullable Destination schedule(Servers s, Datagram datagram) {
      int n = s.size();
      Destination previous = last;
      int start = previous == null ? -1 : s.indexOf(previous);
      for (int i = 1; i <= n; i++) {
        int k = Math.floorMod(start + i, n);
        if (s.eligible(k)) {
          Destination d = s.get(k);
          last = d;
          return d;
        }
      }
      return null;
    }
  }

  /** wrr: passes from the maximum weight down by the gcd, picking servers at or above it. */
  static final class WeightedRoundRobin implements Scheduler {
    private int index = -1;
    private int currentWeight;

    @Override
    public synchronized @Nullable Destination schedule(Servers s, Datagram datagram) {
      int n = s.size();
      int max = 0;
      int gcd = 0;
      for (int i = 0; i < n; i++) {
        int w = s.weight(i);
        if (w > 0) {
          max = Math.max(max, w);
          gcd = gcd(gcd, w);
        }
      }
      if (max == 0) {
        return null;
      }
      if (currentWeight > max) {
        currentWeight = max;
      }
      for (int step = 0; step <= n * (max / gcd + 1); step++) {
        index++;
        if (index >= n) {
          index = 0;
          currentWeight -= gcd;
          if (currentWeight <= 0) {
            currentWeight = max;
          }
        }
        if (index == 0 && currentWeight == 0) {
          currentWeight = max;
        }
        if (s.eligible(index) && s.weight(index) >= currentWeight) {
          return s.get(index);
        }
      }
      return null;
    }

    private static int gcd(int a, int b) {
      return b == 0 ? a : gcd(b, a % b);
    }
  }
}
