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
    factories.put("mh", MaglevSchedulers.Maglev::new);
    factories.put("lblc", () -> new LocalitySchedulers.LocalityBased(false));
    factories.put("lblcr", () -> new LocalitySchedulers.LocalityBased(true));
    factories.put("twos", () -> (s, d) -> LoadSchedulers.twoChoices(s));
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
}
