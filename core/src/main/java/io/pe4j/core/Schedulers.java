package io.pe4j.core;

import io.pe4j.api.Datagram;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;

/**
 * The built-in schedulers with the kernel's semantics (spec §8): {@code rr wrr lc wlc lblc lblcr dh
 * sh sed nq fo ovf mh twos}, plus {@code none}; and the registry hosts add their own to.
 */
public final class Schedulers {

  /** The scheduler names ipvsadm's documentation lists, plus {@code twos} and {@code none}. */
  public static final List<String> BUILT_IN =
      List.of(
          "rr", "wrr", "lc", "wlc", "lblc", "lblcr", "dh", "sh", "sed", "nq", "fo", "ovf", "mh",
          "twos", "none");

  private final Map<String, Supplier<Scheduler>> factories = new ConcurrentHashMap<>();

  /** Creates a registry holding the built-in schedulers. */
  public Schedulers() {
    factories.put("rr", RoundRobin::new);
    factories.put("wrr", WeightedRoundRobin::new);
    factories.put("lc", () -> (s, d) -> leastOverhead(s, false));
    factories.put("wlc", () -> (s, d) -> leastOverhead(s, true));
    factories.put("sed", () -> (s, d) -> shortestExpectedDelay(s, false));
    factories.put("nq", () -> (s, d) -> shortestExpectedDelay(s, true));
    factories.put("fo", () -> (s, d) -> failover(s));
    factories.put("ovf", () -> (s, d) -> overflow(s));
    factories.put("sh", () -> new HashTable(true));
    factories.put("dh", () -> new HashTable(false));
    factories.put("mh", Maglev::new);
    factories.put("lblc", () -> new LocalityBased(false));
    factories.put("lblcr", () -> new LocalityBased(true));
    factories.put("twos", () -> (s, d) -> twoChoices(s));
    factories.put("none", () -> (s, d) -> null);
  }

  /**
   * Adds a scheduler under {@code name}, so that {@code -s name} selects it.
   *
   * @throws IllegalArgumentException if the name is taken
   */
  public Schedulers register(String name, Supplier<Scheduler> factory) {
    if (factories.putIfAbsent(name, factory) != null) {
      throw new IllegalArgumentException("scheduler '" + name + "' already registered");
    }
    return this;
  }

  /**
   * Returns a new scheduler instance for a service.
   *
   * @throws NoSuchElementException naming the scheduler, as the kernel's "scheduler not found"
   */
  public Scheduler create(String name) {
    Supplier<Scheduler> f = factories.get(name);
    if (f == null) {
      throw new NoSuchElementException("scheduler module ip_vs_" + name + " not found");
    }
    return f.get();
  }

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

  /** The kernel's {@code hash_32(value, 8)}: multiply by the 32-bit golden ratio, keep 8 bits. */
  static int hash32(int value) {
    return (value * 0x61C88647) >>> 24;
  }

  /** sh (source hashing) and dh (destination hashing): a 256-bucket table, spec §8.1. */
  static final class HashTable implements Scheduler {
    private final boolean source;
    private volatile Destination[] table = new Destination[0];

    HashTable(boolean source) {
      this.source = source;
    }

    @Override
    public void destinationsChanged(VirtualService s) {
      List<Destination> list = s.destinations;
      Destination[] t = new Destination[list.isEmpty() ? 0 : 256];
      int p = 0;
      int count = 0;
      for (int i = 0; i < t.length; i++) {
        Destination d = list.get(p % list.size());
        t[i] = d;
        if (++count >= d.weight) {
          p++;
          count = 0;
        }
      }
      table = t;
    }

    @Override
    public @Nullable Destination schedule(VirtualService s, Datagram datagram) {
      Destination[] t = table;
      if (t.length == 0) {
        return null;
      }
      boolean withPort = s.config.schedulerFlags.contains("sh-port");
      int addr = fold(datagram, source);
      int port = source && withPort ? datagram.sourcePort() : 0;
      int hash = hash32(port + addr);
      Destination d = t[hash];
      if (eligible(d)) {
        return d;
      }
      if (!source || !s.config.schedulerFlags.contains("sh-fallback")) {
        return null;
      }
      for (int offset = 0; offset < 256; offset++) {
        int roffset = (offset + hash) % 256;
        Destination f = t[(roffset + hash32(port + addr)) % 256];
        if (eligible(f)) {
          return f;
        }
      }
      return null;
    }
  }

  /** The address a hash scheduler keys on; IPv6 folded by XOR of its four 32-bit words. */
  static int fold(Datagram d, boolean source) {
    long hi = source ? d.sourceHi() : d.destinationHi();
    long lo = source ? d.sourceLo() : d.destinationLo();
    if (!d.isIpv6()) {
      return (int) lo;
    }
    return (int) (hi >>> 32) ^ (int) hi ^ (int) (lo >>> 32) ^ (int) lo;
  }

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

  /**
   * lblc / lblcr: locality-based least connections, keyed by the datagram's destination address; a
   * server (or, for lblcr, a set) is kept per address and re-chosen by wlc when it is unavailable
   * or overloaded (more active connections than twice its weight).
   */
  static final class LocalityBased implements Scheduler {
    private final boolean replicated;
    private final Map<Integer, Set<Destination>> assigned = new HashMap<>();

    LocalityBased(boolean replicated) {
      this.replicated = replicated;
    }

    @Override
    public synchronized void destinationsChanged(VirtualService s) {
      assigned.values().forEach(set -> set.removeIf(d -> !d.available));
    }

    @Override
    public synchronized @Nullable Destination schedule(VirtualService s, Datagram datagram) {
      int key = fold(datagram, false);
      Set<Destination> set = assigned.computeIfAbsent(key, k -> new java.util.LinkedHashSet<>());
      Destination best = null;
      for (Destination d : set) {
        if (d.available
            && eligible(d)
            && (best == null
                || (long) d.overhead() * best.weight < (long) best.overhead() * d.weight)) {
          best = d;
        }
      }
      if (best != null && best.activeConns() <= 2 * best.weight) {
        return best;
      }
      Destination fresh = leastOverhead(s, true);
      if (fresh != null) {
        if (!replicated) {
          set.clear();
        }
        set.add(fresh);
      }
      return fresh != null ? fresh : best;
    }
  }
}
