package io.pe4j.core;

import static io.pe4j.core.HashSchedulers.fold;
import static io.pe4j.core.LoadSchedulers.leastOverhead;

import io.pe4j.api.Datagram;
import java.util.HashMap;
import java.util.Map;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** The locality family: lblc and lblcr (spec §8). */
final class LocalitySchedulers {

  private LocalitySchedulers() {}

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
    public synchronized @Nullable Object prepare(Servers servers) {
      assigned.values().forEach(set -> set.removeIf(d -> servers.indexOf(d) < 0));
      return null;
    }

    @Override
    public synchronized @Nullable Destination schedule(Servers s, Datagram datagram) {
      int key = fold(datagram, false);
      Set<Destination> set = assigned.computeIfAbsent(key, k -> new java.util.LinkedHashSet<>());
      int best = -1;
      for (Destination d : set) {
        int i = s.indexOf(d);
        if (i >= 0
            && s.eligible(i)
            && (best < 0
                || (long) d.overhead() * s.weight(best)
                    < (long) s.get(best).overhead() * s.weight(i))) {
          best = i;
        }
      }
      if (best >= 0 && s.get(best).activeConns() <= 2 * s.weight(best)) {
        return s.get(best);
      }
      Destination fresh = leastOverhead(s, true);
      if (fresh != null) {
        if (!replicated) {
          set.clear();
        }
        set.add(fresh);
      }
      return fresh != null ? fresh : best < 0 ? null : s.get(best);
    }
  }
}
