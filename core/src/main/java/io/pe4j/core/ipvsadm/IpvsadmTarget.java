package io.pe4j.core.ipvsadm;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import io.pe4j.core.ConfigPlane;
import io.pe4j.core.ConnectionEntry;
import io.pe4j.core.Timeouts;
import io.pe4j.core.VirtualService;
import java.util.List;
import org.jspecify.annotations.Nullable;

/**
 * What the {@code ipvsadm} command line needs of a director, as the real tool needs of the kernel:
 * the config plane to change, the tables to list, the clock. {@link io.pe4j.core.Ipvs} is one; the
 * command line depends on this view, not on the director, so the director can offer {@code
 * ipvsadm(...)} without the two depending on each other.
 */
public interface IpvsadmTarget {

  /** The config plane that every change goes through. */
  ConfigPlane control();

  /** The service with that key, or null. */
  @Nullable VirtualService service(Protocol protocol, IpAddress address, int port, int fwmark);

  /** The virtual services in creation order. */
  List<VirtualService> services();

  /** The connection table, templates then connections, read when iterated. */
  Iterable<ConnectionEntry> connectionEntries();

  /** The connection timeouts ({@code --timeout}). */
  Timeouts timeouts();

  /** What the path would do with a datagram, changing nothing ({@code explain}). */
  String explain(Datagram d);

  /** The director's clock, in nanoseconds. */
  long now();

  /** Runs pending expiry so that listings reflect the current time. */
  void cleanUp();
}
