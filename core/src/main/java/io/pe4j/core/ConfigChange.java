package io.pe4j.core;

import java.util.List;

/**
 * What one publication of the configuration changed, as {@link ConfigPlane#addListener listeners}
 * are told: a host binds the added services' addresses and releases the removed ones', a health
 * checker looks again at the servers that changed. A {@link ConfigPlane#batch batch} is one change.
 *
 * @param generation the configuration's generation after the change (increases by one each time)
 * @param added services listed now that were not before
 * @param removed services no longer listed
 * @param edited services whose options changed ({@code -E}), still listed
 * @param serversChanged services whose real servers or their settings changed, still listed
 * @param globalsChanged whether the timeouts or a sysctl changed
 */
public record ConfigChange(
    long generation,
    List<VirtualService> added,
    List<VirtualService> removed,
    List<VirtualService> edited,
    List<VirtualService> serversChanged,
    boolean globalsChanged) {

  /** Copies the lists. */
  public ConfigChange {
    added = List.copyOf(added);
    removed = List.copyOf(removed);
    edited = List.copyOf(edited);
    serversChanged = List.copyOf(serversChanged);
  }

  /** Whether the set of listed services changed: what a host binds. */
  public boolean servicesChanged() {
    return !added.isEmpty() || !removed.isEmpty();
  }
}
