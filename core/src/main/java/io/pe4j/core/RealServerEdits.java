package io.pe4j.core;

import io.pe4j.api.IpAddress;
import java.util.ArrayList;
import org.jspecify.annotations.Nullable;

/**
 * A service's real servers as the config plane changes them ({@code -a}, {@code -e}, {@code -d}),
 * under its lock: the next configuration's list, the trash and its revival (spec §3.6). The plane
 * publishes after each change.
 */
final class RealServerEdits {

  /** Deleted destinations stay revivable this long once unreferenced (IP_VS_DEST_TRASH_PERIOD). */
  private static final long TRASH_NANOS = 120 * 1_000_000_000L;

  private RealServerEdits() {}

  /** Adds a real server at the head of the list, or revives it from the trash. */
  static Destination add(VirtualService svc, DestinationSpec spec, long now) {
    checkFamily(svc, spec);
    if (find(svc, spec.address(), spec.port()) != null) {
      throw new IllegalArgumentException("Destination already exists");
    }
    Destination dest = null;
    for (Destination trashed : new ArrayList<>(svc.trash)) {
      if (trashed.address.equals(spec.address()) && trashed.port == spec.port()) {
        svc.trash.remove(trashed);
        boolean referenced =
            trashed.persistConns() > 0 || trashed.activeConns() + trashed.inactiveConns() > 0;
        if (referenced || now - trashed.deletedAt < TRASH_NANOS) {
          dest = trashed;
        } else {
          svc.destinationSlots.clear(trashed.slot);
        }
      }
    }
    if (dest == null) {
      int slot = svc.destinationSlots.nextClearBit(0);
      svc.destinationSlots.set(slot);
      dest =
          new Destination(
              svc,
              spec.address(),
              spec.port(),
              slot,
              new Destination.Settings(
                  spec.method(),
                  spec.weight(),
                  spec.weight(),
                  spec.upperThreshold(),
                  spec.lowerThreshold()));
    }
    apply(dest, spec);
    svc.destinations.add(0, dest);
    return dest;
  }

  /** Changes a real server's settings. */
  static Destination edit(VirtualService svc, DestinationSpec spec) {
    checkFamily(svc, spec);
    Destination dest = find(svc, spec.address(), spec.port());
    if (dest == null) {
      throw new IllegalArgumentException("No such destination");
    }
    apply(dest, spec);
    return dest;
  }

  /** Moves a real server to the trash; returns it. */
  static Destination delete(VirtualService svc, IpAddress address, int port, long now) {
    Destination dest = find(svc, address, port);
    if (dest == null) {
      throw new IllegalArgumentException("No such destination");
    }
    dest.deletedAt = now;
    svc.destinations.remove(dest);
    svc.trash.add(dest);
    return dest;
  }

  /** §3.6 with expire_nodest_conn=1: delete the dead server's connections, then idle templates. */
  static void flushUnavailable(
      Destination dest, ConnectionTable connections, TemplateTable templates) {
    connections.removeIf(
        c -> c.destination == dest,
        c -> {
          Template t = c.control;
          if (t != null && t.controlledCount() == 0 && !t.isAssured()) {
            templates.remove(t);
          }
        });
    templates.removeIf(t -> t.destination == dest && t.controlledCount() == 0);
  }

  private static void checkFamily(VirtualService svc, DestinationSpec spec) {
    if (spec.address().isIpv6() != svc.ipv6 && spec.method() != ForwardingMethod.TUNNEL) {
      throw new IllegalArgumentException("Service and destination address families differ");
    }
  }

  private static void apply(Destination dest, DestinationSpec spec) {
    dest.pending =
        dest.pending.with(
            spec.method(), spec.weight(), spec.upperThreshold(), spec.lowerThreshold());
  }

  /** The server with that address and port in the next configuration's list (the plane's). */
  static @Nullable Destination find(VirtualService svc, IpAddress address, int port) {
    for (Destination d : svc.destinations) {
      if (d.address.equals(address) && d.port == port) {
        return d;
      }
    }
    return null;
  }
}
