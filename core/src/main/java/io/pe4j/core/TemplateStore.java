package io.pe4j.core;

import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * The template store seam: where {@link TemplateTable} keeps templates and their timers. What a
 * store must guarantee (checked by {@code TemplateStoreContract} in the core's tests, which any
 * store extends):
 *
 * <ul>
 *   <li><b>Exact visibility.</b> {@link #get} never returns a template whose removal time has
 *       passed, and returns the one stored under an equal key otherwise; {@link #snapshot} never
 *       lists one; {@link #putIfAbsent} replaces one.
 *   <li><b>Atomic create-if-absent.</b> Of threads inserting templates with equal keys at once, one
 *       wins; all get the winner; {@code onInsert} runs once, for the winner, inside the insertion.
 *   <li><b>Refresh on use.</b> {@link #expireAt} moves a stored template's removal time (the rules
 *       of spec §3.4 are computed by {@link Template}; the store only keeps the time).
 *   <li><b>Expiry.</b> A template past its removal time is removed and handed to the expiry
 *       listener exactly once, at most about 1.1 s late (physical removal may lag visibility); a
 *       template removed through {@link #remove} is not handed to it.
 *   <li><b>Snapshot.</b> {@link #snapshot} lists the stored templates (for listings and sync).
 * </ul>
 *
 * The table above the store owns the bound, the eviction of unestablished templates and the engine
 * reference counts; a store holds what it is given.
 */
interface TemplateStore {

  /**
   * Returns the template stored under a key equal to {@code probe} and live at {@code now}, or
   * null.
   */
  @Nullable Template get(TemplateKey probe, long now);

  /**
   * Stores {@code fresh} (its own key) unless a live template is stored there, and returns the one
   * stored; runs {@code onInsert} with the template that went in, inside the atomic insertion (a
   * shared store may put in the template another node created instead of {@code fresh}). The timer
   * starts at the stored template's {@code removalAt()}.
   */
  Template putIfAbsent(Template fresh, java.util.function.Consumer<Template> onInsert);

  /**
   * Stores {@code t} under itself (an invalidated template is rekeyed first), removing it after
   * {@code removalAt}, which is {@code t.removalAt()} (an invalidation).
   */
  void put(Template t, long removalAt, long now);

  /**
   * Moves the removal time of {@code t} to {@code removalAt} (which is {@code t.removalAt()}) if it
   * is stored; does nothing otherwise.
   */
  void expireAt(Template t, long removalAt, long now);

  /** Removes {@code t} if it is stored; the expiry listener is not told. */
  boolean remove(Template t);

  /** Returns whether {@code t} is stored. */
  boolean contains(Template t);

  /** Runs pending expiry now. */
  void cleanUp();

  /** Returns the stored templates. */
  List<Template> snapshot();
}
