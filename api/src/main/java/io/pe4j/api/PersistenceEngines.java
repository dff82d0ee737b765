package io.pe4j.api;

import io.pe4j.api.internal.EngineUses;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.ServiceConfigurationError;
import java.util.ServiceLoader;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The registry of persistence engines, as the kernel's {@code ip_vs_pe.c}: engines are found by
 * exact, case-sensitive name; a second engine with a taken name is refused; an engine cannot be
 * unregistered while services or templates use it.
 *
 * <p>Uses are counted per holder, a short text naming who holds the engine (for example {@code
 * "service UDP 10.0.0.1:5060"} or {@code "templates of UDP 10.0.0.1:5060"}), so that a refused
 * {@link #unregister} says who still uses the engine.
 *
 * <p>Thread-safe.
 */
public final class PersistenceEngines {

  private static final System.Logger LOG = System.getLogger("io.pe4j.api");

  private final Map<String, Entry> engines = new TreeMap<>();
  private final List<String> problems = new ArrayList<>();

  private static final class Entry {
    final PersistenceEngine engine;
    final Map<String, Integer> holders = new TreeMap<>();
    final Map<String, EngineUses> counters = new TreeMap<>();

    Entry(PersistenceEngine engine) {
      this.engine = engine;
    }

    int uses() {
      long n = 0;
      for (int c : holders.values()) {
        n += c;
      }
      for (EngineUses u : counters.values()) {
        n += u.count();
      }
      return (int) Math.min(Integer.MAX_VALUE, n);
    }
  }

  static {
    EngineUses.install((registry, engine, holder) -> registry.counter(engine, holder));
  }

  /**
   * The core's lock-free counter of {@code engine}'s uses by {@code holder} ({@link EngineUses}).
   */
  private synchronized EngineUses counter(PersistenceEngine engine, String holder) {
    Entry entry = engines.get(engine.name());
    if (entry == null || entry.engine != engine) {
      return new EngineUses(engine);
    }
    return entry.counters.computeIfAbsent(holder, h -> new EngineUses(engine));
  }

  /** Creates an empty registry. */
  public PersistenceEngines() {}

  /**
   * Returns a registry holding every engine that {@link ServiceLoader} finds for {@link
   * PersistenceEngine} on the module path or the class path of this module's class loader.
   *
   * <p>A provider that cannot be loaded or instantiated, has an invalid name, or takes a name
   * already taken is skipped and reported (a warning, and {@link #problems()}): one bad engine in a
   * jar does not take the others down.
   */
  public static PersistenceEngines installed() {
    return installed(
        ServiceLoader.load(PersistenceEngine.class, PersistenceEngines.class.getClassLoader()));
  }

  /** Returns a registry holding every engine {@code loader} provides (see {@link #installed()}). */
  public static PersistenceEngines installed(ServiceLoader<PersistenceEngine> loader) {
    PersistenceEngines registry = new PersistenceEngines();
    java.util.Iterator<PersistenceEngine> it = loader.iterator();
    // the iterator goes on after an error: a best effort for the next provider
    for (int errors = 0; errors < 1000; ) {
      PersistenceEngine engine;
      try {
        if (!it.hasNext()) {
          break;
        }
        engine = it.next();
      } catch (ServiceConfigurationError e) {
        errors++;
        registry.problem("cannot load a persistence engine: " + e.getMessage());
        continue;
      }
      try {
        registry.register(engine);
      } catch (IllegalArgumentException | NullPointerException e) {
        registry.problem(engine.getClass().getName() + " skipped: " + e.getMessage());
      }
    }
    return registry;
  }

  private synchronized void problem(String message) {
    problems.add(message);
    LOG.log(System.Logger.Level.WARNING, message);
  }

  /**
   * Returns what discovery skipped, one line each (the provider's class and the reason); empty for
   * a registry built by hand.
   */
  public synchronized List<String> problems() {
    return List.copyOf(problems);
  }

  /**
   * Checks an engine name: 1 to 16 printable ASCII characters, no whitespace.
   *
   * @throws IllegalArgumentException saying what is wrong with the name
   */
  public static String checkName(@Nullable String name) {
    if (name == null || name.isEmpty() || name.length() > 16) {
      throw new IllegalArgumentException(
          "persistence engine name must be 1..16 characters: '" + name + "'");
    }
    for (int i = 0; i < name.length(); i++) {
      char c = name.charAt(i);
      if (c <= 0x20 || c >= 0x7f) {
        throw new IllegalArgumentException(
            "persistence engine name must be printable ASCII without whitespace: '" + name + "'");
      }
    }
    return name;
  }

  /**
   * Adds an engine.
   *
   * @throws IllegalArgumentException if its name is invalid or already registered
   */
  public synchronized PersistenceEngines register(PersistenceEngine engine) {
    Objects.requireNonNull(engine, "engine");
    String name = checkName(engine.name());
    Entry existing = engines.get(name);
    if (existing != null) {
      throw new IllegalArgumentException(
          "persistence engine '"
              + name
              + "' already registered by "
              + existing.engine.getClass().getName()
              + "; refusing "
              + engine.getClass().getName());
    }
    engines.put(name, new Entry(engine));
    return this;
  }

  /**
   * Removes an engine that nothing uses.
   *
   * @throws IllegalStateException naming the holders if services or templates still use it
   * @throws java.util.NoSuchElementException if no engine has that name
   */
  public synchronized PersistenceEngine unregister(String name) {
    Entry entry = entry(name);
    if (entry.uses() > 0) {
      StringBuilder who = new StringBuilder();
      entry.holders.forEach(
          (holder, count) -> {
            if (who.length() > 0) {
              who.append(", ");
            }
            who.append(holder).append(count > 1 ? " (" + count + ")" : "");
          });
      entry.counters.forEach(
          (holder, uses) -> {
            long count = uses.count();
            if (count > 0) {
              who.append(who.length() > 0 ? ", " : "").append(holder);
              who.append(count > 1 ? " (" + count + ")" : "");
            }
          });
      throw new IllegalStateException("persistence engine '" + name + "' is in use by " + who);
    }
    engines.remove(name);
    return entry.engine;
  }

  /** Returns the engine with exactly this name, or null. */
  public synchronized @Nullable PersistenceEngine get(String name) {
    Entry entry = engines.get(name);
    return entry == null ? null : entry.engine;
  }

  /**
   * Returns the engine with this name and counts one use by {@code holder}.
   *
   * @throws java.util.NoSuchElementException naming the engines found and, for one of pe4j's own,
   *     the artifact that provides it (and the kernel's wording, "persistence engine module
   *     ip_vs_pe_NAME not found")
   */
  public synchronized PersistenceEngine acquire(String name, String holder) {
    Objects.requireNonNull(name, "name");
    Objects.requireNonNull(holder, "holder");
    Entry entry = entry(name);
    entry.holders.merge(holder, 1, Integer::sum);
    return entry.engine;
  }

  /**
   * Releases one use of {@code engine} by {@code holder}; unknown engines and holders are ignored.
   */
  public synchronized void release(PersistenceEngine engine, String holder) {
    Objects.requireNonNull(engine, "engine");
    Objects.requireNonNull(holder, "holder");
    Entry entry = engines.get(engine.name());
    if (entry != null && entry.engine == engine) {
      entry.holders.computeIfPresent(holder, (h, c) -> c > 1 ? c - 1 : null);
    }
  }

  /** Returns how many uses the named engine has (0 for an unknown name). */
  public synchronized int uses(String name) {
    Entry entry = engines.get(name);
    return entry == null ? 0 : entry.uses();
  }

  /** Returns the registered engines, sorted by name. */
  public synchronized List<PersistenceEngine> engines() {
    List<PersistenceEngine> out = new ArrayList<>();
    for (Entry e : engines.values()) {
      out.add(e.engine);
    }
    return out;
  }

  /** The artifacts that provide pe4j's own engines, by engine name. */
  private static final java.util.Map<String, String> ARTIFACTS =
      java.util.Map.of(
          "sip", "io.pe4j:pe4j-engine-sip",
          "quic", "io.pe4j:pe4j-engine-examples",
          "radius", "io.pe4j:pe4j-engine-examples",
          "gtpu", "io.pe4j:pe4j-engine-examples");

  private Entry entry(String name) {
    Entry entry = engines.get(name);
    if (entry == null) {
      String artifact = ARTIFACTS.get(name);
      throw new java.util.NoSuchElementException(
          "no persistence engine named '"
              + name
              + "' was found (engines found: "
              + (engines.isEmpty() ? "none" : String.join(", ", engines.keySet()))
              + ")"
              + (artifact != null
                  ? "; the " + name + " engine is in " + artifact + ": add it to the class path"
                  : "; an engine is found through ServiceLoader: its jar must list it in"
                      + " META-INF/services/io.pe4j.api.PersistenceEngine")
              + " (ipvsadm: persistence engine module ip_vs_pe_"
              + name
              + " not found)");
    }
    return entry;
  }
}
