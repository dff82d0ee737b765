package io.pe4j.api.internal;

import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * The uses of one engine by one holder, counted without a lock and without allocating: what the
 * core's template table takes per template (the kernel takes a module reference per template).
 * {@link PersistenceEngines#unregister} sees them like the uses taken by {@link
 * PersistenceEngines#acquire}.
 *
 * <p><b>Not API.</b> The core's bookkeeping: this package is exported to {@code io.pe4j.core} only,
 * and may change in any release.
 */
public final class EngineUses {

  /** How the registry hands out counters (installed by {@link PersistenceEngines} itself). */
  public interface Registry {
    /** See {@link EngineUses#of}. */
    EngineUses counter(PersistenceEngines registry, PersistenceEngine engine, String holder);
  }

  private static volatile @Nullable Registry registry;

  private final PersistenceEngine engine;
  private final LongAdder count = new LongAdder();

  /** Creates a counter at zero (the registry's; a counter of an unregistered engine). */
  public EngineUses(PersistenceEngine engine) {
    this.engine = engine;
  }

  /**
   * Installs the registry's side; once, from {@link PersistenceEngines}'s initialisation.
   *
   * @throws IllegalStateException if one was installed already
   */
  public static synchronized void install(Registry r) {
    if (registry != null) {
      throw new IllegalStateException("the engine registry's counters are installed already");
    }
    registry = r;
  }

  /**
   * Returns the lock-free use counter of {@code engine} by {@code holder} in {@code engines}: the
   * same object for the same engine and holder, so that whoever retains and whoever releases meet.
   * For an engine not registered there, a counter that {@link PersistenceEngines#unregister} does
   * not see.
   */
  public static EngineUses of(PersistenceEngines engines, PersistenceEngine engine, String holder) {
    // engines is an instance: PersistenceEngines is initialised, its side installed
    return java.util.Objects.requireNonNull(registry, "registry").counter(engines, engine, holder);
  }

  /** Returns the engine these uses are of. */
  public PersistenceEngine engine() {
    return engine;
  }

  /** Takes one use. */
  public void retain() {
    count.increment();
  }

  /** Gives one use back. */
  public void release() {
    count.decrement();
  }

  /** Returns the uses held now. */
  public long count() {
    return count.sum();
  }
}
