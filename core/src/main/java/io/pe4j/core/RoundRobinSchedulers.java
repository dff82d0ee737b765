package io.pe4j.core;

import static io.pe4j.core.LoadSchedulers.eligible;

import io.pe4j.api.Datagram;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** The round-robin family: rr and wrr (spec §8). */
final class RoundRobinSchedulers {

  private RoundRobinSchedulers() {}

  /** rr: the next eligible server after the last pick, in list order. */
  static final class RoundRobin implements Scheduler {
    private @Nullable Destination last;

    @Override
    public synchronized @Nullable Destination schedule(VirtualService s, Datagram datagram) {
      List<Destination> list = s.destinations;
      int n = list.size();
      int start = last == null ? -1 : list.indexOf(last);
      for (int i = 1; i <= n; i++) {
        Destination d = list.get(Math.floorMod(start + i, n));
        if (eligible(d)) {
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
    public synchronized @Nullable Destination schedule(VirtualService s, Datagram datagram) {
      List<Destination> list = s.destinations;
      int n = list.size();
      int max = 0;
      int gcd = 0;
      for (Destination d : list) {
        if (d.weight > 0) {
          max = Math.max(max, d.weight);
          gcd = gcd(gcd, d.weight);
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
        Destination d = list.get(index);
        if (!d.overloaded && d.weight > 0 && d.weight >= currentWeight) {
          return d;
        }
      }
      return null;
    }

    private static int gcd(int a, int b) {
      return b == 0 ? a : gcd(b, a % b);
    }
  }
}
