package io.pe4j.core;

import static io.pe4j.core.HashSchedulers.fold;
import static io.pe4j.core.LoadSchedulers.eligible;

import io.pe4j.api.Datagram;
import java.util.List;
import org.jspecify.annotations.Nullable;

/** mh, Maglev hashing (spec §8.2). */
final class MaglevSchedulers {

  private MaglevSchedulers() {}

  /**
   * mh: Maglev hashing (spec §8.2) with M = 4093, population from last weights so that quiescing a
   * server does not remap the table. The hash functions are pe4j's own, not the kernel's hsiphash,
   * so the slot a given client lands in differs from a kernel's.
   */
  static final class Maglev implements Scheduler {
    static final int M = 4093;
    private volatile Destination[] table = new Destination[0];

    @Override
    public void destinationsChanged(VirtualService s) {
      List<Destination> list = s.destinations;
      if (list.isEmpty()) {
        table = new Destination[0];
        return;
      }
      int n = list.size();
      int[] offset = new int[n];
      int[] skip = new int[n];
      int[] next = new int[n];
      int[] turns = new int[n];
      int gcd = 0;
      int max = 0;
      for (Destination d : list) {
        if (d.lastWeight > 0) {
          gcd = gcd == 0 ? d.lastWeight : gcd(gcd, d.lastWeight);
          max = Math.max(max, d.lastWeight);
        }
      }
      int shift = max == 0 ? 0 : Math.max(0, (32 - Integer.numberOfLeadingZeros(max / gcd)) - 6);
      for (int i = 0; i < n; i++) {
        Destination d = list.get(i);
        int key = d.port + foldDestination(d);
        offset[i] = Math.floorMod(mix(key, 0x9E3779B1), M);
        skip[i] = Math.floorMod(mix(key, 0x85EBCA6B), M - 1) + 1;
        turns[i] = d.lastWeight > 0 ? Math.max(1, (d.lastWeight / gcd) >> shift) : 0;
      }
      Destination[] t = new Destination[M];
      int filled = 0;
      boolean any = false;
      for (int tn : turns) {
        any |= tn > 0;
      }
      if (!any) {
        table = new Destination[0];
        return;
      }
      while (filled < M) {
        for (int i = 0; i < n && filled < M; i++) {
          for (int k = 0; k < turns[i] && filled < M; k++) {
            int c;
            do {
              c = (int) ((offset[i] + (long) next[i] * skip[i]) % M);
              next[i]++;
            } while (t[c] != null);
            t[c] = list.get(i);
            filled++;
          }
        }
      }
      table = t;
    }

    private static int foldDestination(Destination d) {
      return d.address.isIpv6()
          ? (int) (d.address.hi() >>> 32)
              ^ (int) d.address.hi()
              ^ (int) (d.address.lo() >>> 32)
              ^ (int) d.address.lo()
          : d.address.ipv4();
    }

    private static int gcd(int a, int b) {
      return b == 0 ? a : gcd(b, a % b);
    }

    private static int mix(int key, int seed) {
      int h = key * seed;
      h ^= h >>> 16;
      h *= 0x7feb352d;
      h ^= h >>> 15;
      h *= 0x846ca68b;
      return h ^ (h >>> 16);
    }

    @Override
    public @Nullable Destination schedule(VirtualService s, Datagram datagram) {
      Destination[] t = table;
      if (t.length == 0) {
        return null;
      }
      int port = s.config.schedulerFlags.contains("mh-port") ? datagram.sourcePort() : 0;
      int base = Math.floorMod(mix(port + fold(datagram, true), 0x27d4eb2f), M);
      if (eligible(t[base])) {
        return t[base];
      }
      if (s.config.schedulerFlags.contains("mh-fallback")) {
        for (int offset = 1; offset < M; offset++) {
          Destination d = t[(base + offset) % M];
          if (eligible(d)) {
            return d;
          }
        }
      }
      return null;
    }
  }
}
