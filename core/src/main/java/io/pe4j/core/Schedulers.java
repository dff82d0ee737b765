package io.pe4j.core;

import java.util.List;
import java.util.Map;
import java.util.NoSuchElementException;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;

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
  private volatile int maglevTableSize;

  /** Creates a registry holding the built-in schedulers. */
  public Schedulers() {
    factories.put("rr", RoundRobinSchedulers.RoundRobin::new);
    factories.put("wrr", RoundRobinSchedulers.WeightedRoundRobin::new);
    factories.put("lc", () -> (s, d) -> LoadSchedulers.leastOverhead(s, false));
    factories.put("wlc", () -> (s, d) -> LoadSchedulers.leastOverhead(s, true));
    factories.put("sed", () -> (s, d) -> LoadSchedulers.shortestExpectedDelay(s, false));
    factories.put("nq", () -> (s, d) -> LoadSchedulers.shortestExpectedDelay(s, true));
    factories.put("fo", () -> (s, d) -> LoadSchedulers.failover(s));
    factories.put("ovf", () -> (s, d) -> LoadSchedulers.overflow(s));
    factories.put("sh", () -> new HashSchedulers.HashTable(true));
    factories.put("dh", () -> new HashSchedulers.HashTable(false));
    factories.put("mh", () -> new MaglevSchedulers.Maglev(maglevTableSize));
    factories.put("lblc", () -> new LocalitySchedulers.LocalityBased(false));
    factories.put("lblcr", () -> new LocalitySchedulers.LocalityBased(true));
    factories.put("twos", () -> (s, d) -> LoadSchedulers.twoChoices(s));
    factories.put("none", () -> (s, d) -> null);
  }

  /**
   * Sets the Maglev lookup table size M of {@code mh} services created from now on: a prime, at
   * least 101 and at most 16,777,213. Default: 4,093 as the kernel's (CONFIG_IP_VS_MH_TAB_INDEX
   * 12), and 65,537 for services with the {@code mh-pe} flag. A larger M keeps each server's share
   * closer to its weight share (within about 1 % with M &gt; 100 × servers) at 4 or 8 bytes a slot.
   * Nodes that share calls through {@code mh-pe} must use the same M.
   *
   * @throws IllegalArgumentException if {@code m} is out of range or not prime
   */
  public Schedulers maglevTableSize(int m) {
    if (m < 101 || m > 16_777_213 || !java.math.BigInteger.valueOf(m).isProbablePrime(50)) {
      throw new IllegalArgumentException(
          "Maglev table size must be a prime from 101 to 16777213: " + m);
    }
    this.maglevTableSize = m;
    return this;
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
      throw new NoSuchElementException(
          "no scheduler named '"
              + name
              + "' (pe4j has: "
              + String.join(", ", new java.util.TreeSet<>(factories.keySet()))
              + "); ipvsadm: scheduler module ip_vs_"
              + name
              + " not found");
    }
    return f.get();
  }
}
