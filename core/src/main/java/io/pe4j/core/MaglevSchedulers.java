package io.pe4j.core;

import static io.pe4j.core.HashSchedulers.fold;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import org.jspecify.annotations.Nullable;

/** mh, Maglev hashing (spec §8.2), and pe4j's {@code mh-pe}: Maglev over the engine's key. */
final class MaglevSchedulers {

  private MaglevSchedulers() {}

  /** The kernel's table size (CONFIG_IP_VS_MH_TAB_INDEX 12). */
  static final int KERNEL_M = 4093;

  /** The table size of {@code mh-pe} services unless the registry sets one. */
  static final int PE_M = 65_537;

  /** The seed of the pe-data hash: fixed, so that every node maps a key to the same slot. */
  private static final int PE_SEED = 0x6d68_7065; // "mhpe"

  /**
   * mh: Maglev hashing (spec §8.2) with M = 4093 (or the registry's size), population from last
   * weights so that quiescing a server does not remap the table. The hash functions are pe4j's own,
   * not the kernel's hsiphash, so the slot a given client lands in differs from a kernel's.
   *
   * <p>With the pe4j flag {@code mh-pe}, a datagram the engine keyed is placed by the hash of its
   * pe data (the Call-ID) instead of its source: nodes with the same real servers pick the same
   * server for a call without talking to each other. The table is then populated in address order
   * (not list order) so that it does not depend on the order servers were added, and M defaults to
   * 65,537. A datagram without pe data falls back to source hashing.
   */
  static final class Maglev implements Scheduler {
    private static final int[] EMPTY = new int[0];
    private final int configuredM;

    Maglev(int configuredM) {
      this.configuredM = configuredM;
    }

    private int size(Servers s) {
      return configuredM > 0 ? configuredM : s.hasFlag("mh-pe") ? PE_M : KERNEL_M;
    }

    /** The lookup table: M slots, each the index of a server in {@code servers}. */
    @Override
    public int[] prepare(Servers servers) {
      int M = size(servers);
      int n = servers.size();
      Integer[] order = new Integer[n];
      for (int i = 0; i < n; i++) {
        order[i] = i;
      }
      if (servers.hasFlag("mh-pe")) {
        java.util.Arrays.sort(
            order,
            java.util.Comparator.comparing((Integer i) -> servers.get(i).address.isIpv6())
                .thenComparing(i -> servers.get(i).address.hi(), Long::compareUnsigned)
                .thenComparing(i -> servers.get(i).address.lo(), Long::compareUnsigned)
                .thenComparingInt(i -> servers.get(i).port));
      }
      if (n == 0) {
        return EMPTY;
      }
      int[] offset = new int[n];
      int[] skip = new int[n];
      int[] next = new int[n];
      int[] turns = new int[n];
      int gcd = 0;
      int max = 0;
      for (int i = 0; i < n; i++) {
        int w = servers.lastWeight(i);
        if (w > 0) {
          gcd = gcd == 0 ? w : gcd(gcd, w);
          max = Math.max(max, w);
        }
      }
      int shift = max == 0 ? 0 : Math.max(0, (32 - Integer.numberOfLeadingZeros(max / gcd)) - 6);
      for (int i = 0; i < n; i++) {
        int k = order[i];
        Destination d = servers.get(k);
        int key = d.port + foldDestination(d);
        offset[i] = Math.floorMod(mix(key, 0x9E3779B1), M);
        skip[i] = Math.floorMod(mix(key, 0x85EBCA6B), M - 1) + 1;
        int w = servers.lastWeight(k);
        turns[i] = w > 0 ? Math.max(1, (w / gcd) >> shift) : 0;
      }
      boolean any = false;
      for (int tn : turns) {
        any |= tn > 0;
      }
      if (!any) {
        return EMPTY;
      }
      int[] t = new int[M];
      java.util.Arrays.fill(t, -1);
      int filled = 0;
      while (filled < M) {
        for (int i = 0; i < n && filled < M; i++) {
          for (int k = 0; k < turns[i] && filled < M; k++) {
            int c;
            do {
              c = (int) ((offset[i] + (long) next[i] * skip[i]) % M);
              next[i]++;
            } while (t[c] >= 0);
            t[c] = order[i];
            filled++;
          }
        }
      }
      return t;
    }

    /** The lookup table of {@code servers} as destinations (tests). */
    static Destination[] table(Servers servers) {
      int[] t = (int[]) java.util.Objects.requireNonNull(servers.prepared());
      Destination[] out = new Destination[t.length];
      for (int i = 0; i < t.length; i++) {
        out[i] = servers.get(t[i]);
      }
      return out;
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
    public @Nullable Destination schedule(Servers s, Datagram datagram) {
      return schedule(s, datagram, null);
    }

    @Override
    public @Nullable Destination schedule(Servers s, Datagram datagram, @Nullable ConnParam keyed) {
      Object prepared = s.prepared();
      int[] t = prepared instanceof int[] table ? table : prepare(s);
      int M = t.length;
      if (M == 0) {
        return null;
      }
      int base;
      if (keyed != null && keyed.hasPeData() && s.hasFlag("mh-pe")) {
        base = Math.floorMod(keyed.peDataHash(PE_SEED), M);
      } else {
        int port = s.hasFlag("mh-port") ? datagram.sourcePort() : 0;
        base = Math.floorMod(mix(port + fold(datagram, true), 0x27d4eb2f), M);
      }
      if (s.eligible(t[base])) {
        return s.get(t[base]);
      }
      if (s.hasFlag("mh-fallback")) {
        for (int offset = 1; offset < M; offset++) {
          int i = t[(base + offset) % M];
          if (s.eligible(i)) {
            return s.get(i);
          }
        }
      }
      return null;
    }
  }
}
