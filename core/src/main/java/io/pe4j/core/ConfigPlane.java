package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.Protocol;
import io.pe4j.api.internal.EngineUses;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.NoSuchElementException;
import java.util.Set;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * The configuration plane (the role of the kernel's {@code ip_vs_ctl.c}): the single writer of
 * services, real servers, timeouts and sysctls, reached through {@link Ipvs#control()}. It keeps
 * the next configuration under its lock and publishes each change — or a {@link #batch} of them —
 * as one immutable {@link Configuration} with one volatile write: the datagram path reads one per
 * datagram and never sees half of a change. Thread-safe: writers are serialised, readers never
 * wait.
 */
public final class ConfigPlane {

  private final Ticker ticker;
  private final PersistenceEngines engines;
  private final Schedulers schedulers;
  private final TemplateTable templates;
  private final ConnectionTable connections;

  // The next configuration: written under this object's lock, published by publish().
  private final ArrayList<VirtualService> serviceList = new ArrayList<>();
  private final HashMap<ServiceId, VirtualService> serviceIndex = new HashMap<>();
  private final BitSet serviceSlots = new BitSet();
  private final Set<VirtualService> changed = new HashSet<>();
  private final List<Destination> unlisted = new ArrayList<>();
  private int batchDepth;
  private Timeouts timeouts = Timeouts.DEFAULT;
  private boolean expireQuiescentTemplate;
  private boolean expireNodestConn;

  /** The published configuration: what the datagram path reads, one per datagram. */
  private volatile Configuration current = Configuration.EMPTY;

  private final ConfigListeners listeners = new ConfigListeners();

  ConfigPlane(
      Ticker ticker,
      PersistenceEngines engines,
      Schedulers schedulers,
      TemplateTable templates,
      ConnectionTable connections) {
    this.ticker = ticker;
    this.engines = engines;
    this.schedulers = schedulers;
    this.templates = templates;
    this.connections = connections;
  }

  /**
   * Adds a virtual service ({@code ipvsadm -A}).
   *
   * @throws IllegalArgumentException if it exists, or with the kernel's message if the scheduler or
   *     engine is unknown
   */
  public synchronized VirtualService addService(ServiceSpec spec) {
    if (service(spec.protocol(), spec.address(), spec.port(), spec.fwmark()) != null) {
      throw new IllegalArgumentException("Service already exists");
    }
    if (spec.fwmark() == 0 && spec.port() == 0 && spec.persistenceSeconds() == 0) {
      throw new IllegalArgumentException("Zero port specified for non-persistent service");
    }
    Protocol protocol = spec.fwmark() != 0 ? Protocol.IP : spec.protocol();
    IpAddress address =
        spec.fwmark() != 0
            ? (spec.address().isIpv6() ? IpAddress.ofIpv6(0, 0) : IpAddress.ofIpv4(0))
            : spec.address();
    int slot = serviceSlots.nextClearBit(0);
    VirtualService svc =
        new VirtualService(
            protocol,
            address,
            spec.port(),
            spec.fwmark(),
            spec.address().isIpv6(),
            slot,
            createScheduler(spec.scheduler()));
    configure(svc, spec);
    serviceSlots.set(slot);
    serviceList.add(svc);
    serviceIndex.put(ServiceId.of(svc), svc);
    publish();
    return svc;
  }

  /**
   * Replaces every option of a service ({@code ipvsadm -E}): without an engine the engine is
   * removed, existing templates keep their timeouts (spec §3.4 item 5, §2.3).
   */
  public synchronized VirtualService editService(ServiceSpec spec) {
    VirtualService svc =
        requireService(spec.protocol(), spec.address(), spec.port(), spec.fwmark());
    configure(svc, spec);
    publish();
    return svc;
  }

  private void configure(VirtualService svc, ServiceSpec spec) {
    ServiceConfig current = svc.pending;
    Scheduler scheduler =
        spec.scheduler().equals(current.schedulerName) && isListed(svc)
            ? current.scheduler
            : createScheduler(spec.scheduler());
    PersistenceEngine engine = null;
    String holder = "service " + svc;
    if (spec.engine() != null) {
      try {
        engine = engines.acquire(spec.engine(), holder);
      } catch (NoSuchElementException e) {
        throw new IllegalArgumentException(e.getMessage(), e);
      }
    }
    PersistenceEngine old = current.engine;
    if (old != null && isListed(svc)) {
      engines.release(old, holder);
    }
    svc.pending =
        new ServiceConfig(
            spec.scheduler(),
            scheduler,
            spec.schedulerFlags(),
            spec.persistenceSeconds() > 0,
            spec.persistenceSeconds(),
            spec.netmask(),
            spec.onePacket(),
            engine,
            spec.failurePolicy(),
            engine == null ? null : EngineUses.of(engines, engine, svc.templatesHolder),
            current.servers);
    changed.add(svc); // its servers are prepared again for the (maybe new) scheduler and flags
  }

  private Scheduler createScheduler(String name) {
    try {
      return schedulers.create(name);
    } catch (NoSuchElementException e) {
      throw new IllegalArgumentException(e.getMessage(), e);
    }
  }

  /** Deletes a service ({@code ipvsadm -D}) with its destinations, templates and connections. */
  public synchronized void deleteService(
      Protocol protocol, IpAddress address, int port, int fwmark) {
    java.util.Objects.requireNonNull(protocol, "protocol");
    java.util.Objects.requireNonNull(address, "address");
    VirtualService svc = requireService(protocol, address, port, fwmark);
    templates.removeIf(t -> t.service == svc); // while listed: a shared table's templates bind
    serviceList.remove(svc);
    serviceIndex.remove(ServiceId.of(svc));
    serviceSlots.clear(svc.slot);
    changed.remove(svc);
    unlisted.addAll(svc.destinations);
    publish(); // the service is gone from the path before its connections and templates go
    purge(svc);
    PersistenceEngine e = svc.pending.engine;
    if (e != null) {
      engines.release(e, "service " + svc);
    }
  }

  private void purge(VirtualService svc) {
    connections.removeIf(c -> c.service == svc, c -> {});
    templates.removeIf(t -> t.service == svc);
  }

  /** Removes every service ({@code ipvsadm -C}). */
  public synchronized void clear() {
    for (VirtualService svc : new ArrayList<>(serviceList)) {
      deleteService(svc.protocol, svc.address, svc.port, svc.fwmark);
    }
  }

  /** Zeroes the counters of one service and its destinations, or of all ({@code ipvsadm -Z}). */
  public synchronized void zero(@Nullable VirtualService only) {
    for (VirtualService svc : serviceList) {
      if (only == null || only == svc) {
        svc.counters.zero();
        svc.destinations.forEach(d -> d.counters.zero());
      }
    }
  }

  /**
   * Adds a real server ({@code ipvsadm -a}) at the head of the list. A server deleted within the
   * trash period is revived with its counters and templates (spec §3.6).
   */
  public synchronized Destination addDestination(VirtualService svc, DestinationSpec spec) {
    Destination dest = RealServerEdits.add(svc, spec, ticker.read());
    changed.add(svc);
    publish();
    return dest;
  }

  /** Changes a real server's options ({@code ipvsadm -e}); weight 0 quiesces it. */
  public synchronized Destination editDestination(VirtualService svc, DestinationSpec spec) {
    Destination dest = RealServerEdits.edit(svc, spec);
    changed.add(svc);
    publish();
    return dest;
  }

  /**
   * Deletes a real server ({@code ipvsadm -d}) to the trash: its templates become invalid, its
   * connections' datagrams are dropped unless {@code expire_nodest_conn} (spec §3.6, §3.7).
   */
  public synchronized void deleteDestination(VirtualService svc, IpAddress address, int port) {
    java.util.Objects.requireNonNull(svc, "svc");
    java.util.Objects.requireNonNull(address, "address");
    Destination dest = RealServerEdits.delete(svc, address, port, ticker.read());
    changed.add(svc);
    unlisted.add(dest);
    publish();
    if (expireNodestConn) {
      RealServerEdits.flushUnavailable(dest, connections, templates);
    }
  }

  /**
   * Sets the connection timeouts in seconds ({@code ipvsadm --set tcp tcpfin udp}); 0 leaves a
   * value unchanged. Existing connections keep theirs.
   */
  public synchronized void setTimeouts(int tcp, int tcpFin, int udp) {
    for (int v : new int[] {tcp, tcpFin, udp}) {
      if (v < 0 || v > 2_678_400) {
        throw new IllegalArgumentException("timeout must be 0..2678400 seconds: " + v);
      }
    }
    Timeouts t = timeouts;
    timeouts =
        new Timeouts(
            tcp > 0 ? tcp : t.tcp(), tcpFin > 0 ? tcpFin : t.tcpFin(), udp > 0 ? udp : t.udp());
    publish();
  }

  /** Returns the published connection timeouts. */
  Timeouts timeouts() {
    return current.timeouts;
  }

  /** Sets the sysctl {@code expire_quiescent_template} (default off, spec §3.5). */
  public synchronized void setExpireQuiescentTemplate(boolean on) {
    expireQuiescentTemplate = on;
    publish();
  }

  /** Returns the published sysctl {@code expire_quiescent_template}. */
  public boolean expireQuiescentTemplate() {
    return current.expireQuiescentTemplate;
  }

  /** Sets the sysctl {@code expire_nodest_conn} (default off, spec §3.7). */
  public synchronized void setExpireNodestConn(boolean on) {
    expireNodestConn = on;
    publish();
  }

  /** Returns the published sysctl {@code expire_nodest_conn}. */
  public boolean expireNodestConn() {
    return current.expireNodestConn;
  }

  /** Returns the published configuration: the datagram path takes one per datagram. */
  Configuration current() {
    return current;
  }

  private boolean isListed(VirtualService svc) {
    return serviceIndex.get(ServiceId.of(svc)) == svc;
  }

  /**
   * Runs {@code changes} (configuration calls) and publishes the configuration once at the end
   * instead of after each change: datagrams see the configuration before the batch or after it,
   * never a part of it (a failing change leaves the changes before it, published at the end), and
   * restoring N services costs O(N), not O(N²).
   */
  public synchronized void batch(Runnable changes) {
    batchDepth++;
    try {
      changes.run();
    } finally {
      batchDepth--;
      publish();
    }
  }

  /**
   * Builds the next configuration and publishes it with one volatile write (nothing while a batch
   * runs): the changed services' servers with their settings and their schedulers' prepared state,
   * then every listed service's options, the timeouts and the sysctls.
   */
  private void publish() {
    if (batchDepth > 0) {
      return;
    }
    Configuration before = current;
    for (VirtualService svc : changed) {
      ServiceConfig options = svc.pending;
      Servers servers = new Servers(svc, svc.destinations, options.schedulerFlags);
      servers.prepare(options.scheduler);
      svc.pending = options.withServers(servers);
    }
    ServiceConfig[] table = new ServiceConfig[serviceList.size()];
    for (int i = 0; i < table.length; i++) {
      table[i] = serviceList.get(i).pending;
    }
    Configuration after = before.with(table, timeouts, expireQuiescentTemplate, expireNodestConn);
    current = after;
    // what listings and hosts read: the latest published, after the path has it
    for (VirtualService svc : changed) {
      for (Destination d : svc.destinations) {
        d.published(d.pending);
      }
    }
    for (Destination d : unlisted) {
      d.published(null);
    }
    for (VirtualService svc : serviceList) {
      svc.config = svc.pending;
    }
    changed.clear();
    unlisted.clear();
    listeners.tell(before, after);
  }

  /**
   * Calls {@code listener} after each publication with what changed, on the thread that made the
   * change, while this plane still holds its lock: a listener reads the configuration (services,
   * servers) but must not change it, and should be quick (a host binds or releases sockets). An
   * exception it throws is logged, never passed to the writer.
   */
  public void addListener(Consumer<ConfigChange> listener) {
    listeners.add(listener);
  }

  /** Removes a listener added with {@link #addListener}. */
  public void removeListener(Consumer<ConfigChange> listener) {
    listeners.remove(listener);
  }

  /** Returns the published configuration's generation: it increases by one with each change. */
  public long generation() {
    return current.generation;
  }

  /** Returns the service with that key, or null. */
  public synchronized @Nullable VirtualService service(
      Protocol protocol, IpAddress address, int port, int fwmark) {
    java.util.Objects.requireNonNull(protocol, "protocol");
    java.util.Objects.requireNonNull(address, "address");
    return serviceIndex.get(ServiceId.of(protocol, address, port, fwmark));
  }

  VirtualService requireService(Protocol protocol, IpAddress address, int port, int fwmark) {
    VirtualService svc = service(protocol, address, port, fwmark);
    if (svc == null) {
      throw new IllegalArgumentException("No such service");
    }
    return svc;
  }
}
