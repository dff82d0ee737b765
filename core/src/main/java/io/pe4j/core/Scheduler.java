package io.pe4j.core;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import org.jspecify.annotations.Nullable;

/**
 * Picks a real server for a datagram that no valid template or connection covers, as an IPVS
 * scheduling module ({@code ip_vs_rr}, {@code ip_vs_wlc}...). One instance per service; it may keep
 * state (a round-robin pointer, a hash table) and is called from several threads at once.
 *
 * <p>The scheduler sees the datagram, never the pe data (spec §3.3): a Call-ID does not steer
 * scheduling, only persistence.
 *
 * <p><b>Warning:</b> with one-packet scheduling ({@code -o}) connections vanish after each
 * datagram, so connection-counting schedulers ({@code lc}, {@code wlc}, {@code nq}, {@code sed})
 * see every server at zero and always pick the first eligible one (spec §4). Use {@code rr}, {@code
 * wrr}, {@code sh}, {@code mh} or {@code twos} with {@code -o}.
 */
public interface Scheduler {

  /**
   * Returns the destination for {@code datagram} among {@code servers} (the service's real servers
   * in the configuration this datagram was given), or null when none is eligible (the host then
   * sees {@link Verdict#NO_DEST}). Eligible means, for the built-in schedulers, {@link
   * Servers#eligible}: weight &gt; 0 and not overloaded.
   */
  @Nullable Destination schedule(Servers servers, Datagram datagram);

  /**
   * Returns the destination for a datagram of a persistent service; {@code keyed} holds the key the
   * engine found (its pe data), or is null when the service has no engine or the engine found none.
   * Default: {@link #schedule(Servers, Datagram)}, blind to the key as the kernel's schedulers are.
   * pe4j's {@code mh} with the {@code mh-pe} flag hashes the key, so that every node with the same
   * real servers picks the same server for a call.
   */
  default @Nullable Destination schedule(
      Servers servers, Datagram datagram, @Nullable ConnParam keyed) {
    return schedule(servers, datagram);
  }

  /**
   * Computes what this scheduler derives from a list of servers (a lookup table, say), before the
   * configuration holding them is published; {@link Servers#prepared()} gives it back with them.
   * Called by the config plane, one call at a time, whenever the servers or their settings change.
   * Default: nothing.
   */
  default @Nullable Object prepare(Servers servers) {
    return null;
  }
}
