package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.Protocol;
import io.pe4j.api.internal.EngineUses;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.NoSuchElementException;
import org.jspecify.annotations.Nullable;

/**
 * The configuration plane (the role of the kernel's {@code ip_vs_ctl.c}): the single writer of
 * services, real servers, timeouts and sysctls, reached through {@link Ipvs#control()}. Every
 * change is published to the datagram path by volatile writes of immutable values: the service
 * table as one array, each service's options as one {@code ServiceConfig}, each service's real
 * servers as one list. Thread-safe: writers are serialised, readers never wait.
 */
public final class ConfigPlane {

  private static final long SECOND = 1_000_000_000L;

  /** Deleted destinations stay revivable this long once unreferenced (IP_VS_DEST_TRASH_PERIOD). */
  private static final long TRASH_NANOS = 120 * SECOND;

  private final Ticker ticker;
  private final PersistenceEngines engines;
  private final Schedulers schedulers;
  private final TemplateTable templates;
  private final ConnectionTable connections;

  // The services: written under this object's lock, in list order and indexed by key; published
  // to the datagram path as one array (serviceTable) after each change, or once after a batch.
  private final ArrayList<VirtualService> serviceList = new ArrayList<>();
  private final HashMap<ServiceId, VirtualService> serviceIndex = new HashMap<>();
  private int batchDepth;
  volatile VirtualService[] serviceTable = new VirtualService[0];

  /** The key of a service: fwmark, or protocol, address and port. */
  private record ServiceId(
      int fwmark,
      boolean ipv6,
      @Nullable Protocol protocol,
      @Nullable IpAddress address,
      int port) {
    static ServiceId of(Protocol protocol, IpAddress address, int port, int fwmark) {
      return fwmark != 0
          ? new ServiceId(fwmark, address.isIpv6(), null, null, 0)
          : new ServiceId(0, address.isIpv6(), protocol, address, port);
    }

    static ServiceId of(VirtualService v) {
      return v.fwmark != 0
          ? new ServiceId(v.fwmark, v.ipv6, null, null, 0)
          : new ServiceId(0, v.ipv6, v.protocol, v.address, v.port);
    }
  }

  private volatile Timeouts timeouts = Timeouts.DEFAULT;
  volatile boolean expireQuiescentTemplate;
  volatile boolean expireNodestConn;
  volatile int connOutServices;

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
    VirtualService svc =
        new VirtualService(
            protocol,
            address,
            spec.port(),
            spec.fwmark(),
            spec.address().isIpv6(),
            createScheduler(spec.scheduler()));
    configure(svc, spec);
    serviceList.add(svc);
    serviceIndex.put(ServiceId.of(svc), svc);
    recountConnOut();
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
    recountConnOut();
    return svc;
  }

  private void configure(VirtualService svc, ServiceSpec spec) {
    ServiceConfig current = svc.config;
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
    ServiceConfig next =
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
            engine == null ? null : EngineUses.of(engines, engine, svc.templatesHolder));
    svc.config = next; // published whole: a datagram sees the old options or these, never a mix
    svc.publishDestinations();
    scheduler.destinationsChanged(svc);
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
    for (Destination d : svc.destinations) {
      d.available = false;
    }
    purge(svc);
    PersistenceEngine e = svc.config.engine;
    if (e != null) {
      engines.release(e, "service " + svc);
    }
    recountConnOut();
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
    checkFamily(svc, spec);
    if (destination(svc, spec.address(), spec.port()) != null) {
      throw new IllegalArgumentException("Destination already exists");
    }
    long now = ticker.read();
    Destination dest = null;
    for (Destination trashed : svc.trash) {
      if (trashed.address.equals(spec.address()) && trashed.port == spec.port()) {
        svc.trash.remove(trashed);
        boolean referenced =
            trashed.persistConns() > 0 || trashed.activeConns() + trashed.inactiveConns() > 0;
        if (referenced || now - trashed.deletedAt < TRASH_NANOS) {
          dest = trashed;
          dest.available = true;
        }
      }
    }
    if (dest == null) {
      dest =
          new Destination(
              svc,
              spec.address(),
              spec.port(),
              spec.method(),
              spec.weight(),
              spec.upperThreshold(),
              spec.lowerThreshold());
    }
    apply(dest, spec);
    svc.destinations.add(0, dest);
    svc.publishDestinations();
    svc.config.scheduler.destinationsChanged(svc);
    return dest;
  }

  private static void checkFamily(VirtualService svc, DestinationSpec spec) {
    if (spec.address().isIpv6() != svc.ipv6 && spec.method() != ForwardingMethod.TUNNEL) {
      throw new IllegalArgumentException("Service and destination address families differ");
    }
  }

  private static void apply(Destination dest, DestinationSpec spec) {
    dest.method = spec.method();
    dest.weight = spec.weight();
    if (spec.weight() > 0) {
      dest.lastWeight = spec.weight();
    }
    dest.upperThreshold = spec.upperThreshold();
    dest.lowerThreshold = spec.lowerThreshold();
    dest.updateOverload();
  }

  /** Changes a real server's options ({@code ipvsadm -e}); weight 0 quiesces it. */
  public synchronized Destination editDestination(VirtualService svc, DestinationSpec spec) {
    checkFamily(svc, spec);
    Destination dest = destination(svc, spec.address(), spec.port());
    if (dest == null) {
      throw new IllegalArgumentException("No such destination");
    }
    apply(dest, spec);
    svc.publishDestinations();
    svc.config.scheduler.destinationsChanged(svc);
    return dest;
  }

  /**
   * Deletes a real server ({@code ipvsadm -d}) to the trash: its templates become invalid, its
   * connections' datagrams are dropped unless {@code expire_nodest_conn} (spec §3.6, §3.7).
   */
  public synchronized void deleteDestination(VirtualService svc, IpAddress address, int port) {
    java.util.Objects.requireNonNull(svc, "svc");
    java.util.Objects.requireNonNull(address, "address");
    Destination dest = destination(svc, address, port);
    if (dest == null) {
      throw new IllegalArgumentException("No such destination");
    }
    dest.available = false;
    dest.deletedAt = ticker.read();
    svc.destinations.remove(dest);
    svc.trash.add(dest);
    svc.publishDestinations();
    svc.config.scheduler.destinationsChanged(svc);
    if (expireNodestConn) {
      flushUnavailable(dest);
    }
  }

  /** §3.6 with expire_nodest_conn=1: delete the dead server's connections, then idle templates. */
  private void flushUnavailable(Destination dest) {
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
  }

  /** Returns the connection timeouts, published as one value. */
  Timeouts timeouts() {
    return timeouts;
  }

  /** Sets the sysctl {@code expire_quiescent_template} (default off, spec §3.5). */
  public void setExpireQuiescentTemplate(boolean on) {
    expireQuiescentTemplate = on;
  }

  /** Returns the sysctl {@code expire_quiescent_template}. */
  public boolean expireQuiescentTemplate() {
    return expireQuiescentTemplate;
  }

  /** Sets the sysctl {@code expire_nodest_conn} (default off, spec §3.7). */
  public void setExpireNodestConn(boolean on) {
    expireNodestConn = on;
  }

  /** Returns the sysctl {@code expire_nodest_conn}. */
  public boolean expireNodestConn() {
    return expireNodestConn;
  }

  private boolean isListed(VirtualService svc) {
    return serviceIndex.get(ServiceId.of(svc)) == svc;
  }

  /**
   * Runs {@code changes} (configuration calls) and publishes the service table once at the end
   * instead of after each change: restoring N services costs O(N), not O(N²).
   */
  public synchronized void batch(Runnable changes) {
    batchDepth++;
    try {
      changes.run();
    } finally {
      batchDepth--;
      recountConnOut();
    }
  }

  private void recountConnOut() {
    if (batchDepth > 0) {
      return;
    }
    serviceTable = serviceList.toArray(new VirtualService[0]);
    int n = 0;
    for (VirtualService svc : serviceList) {
      PersistenceEngine e = svc.config.engine;
      if (e != null && e.supportsConnOut()) {
        n++;
      }
    }
    connOutServices = n;
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

  static @Nullable Destination destination(VirtualService svc, IpAddress address, int port) {
    for (Destination d : svc.destinations) {
      if (d.address.equals(address) && d.port == port) {
        return d;
      }
    }
    return null;
  }

  /**
   * Finds the service of a client's datagram, as {@code ip_vs_service_find}: fwmark, then protocol,
   * address and port, then port zero. Reads the published table: no lock, no allocation.
   */
  @Nullable VirtualService findService(Datagram d) {
    VirtualService[] list = serviceTable; // an array: no iterator allocated per datagram
    if (d.fwmark() != 0) {
      for (VirtualService v : list) {
        if (v.fwmark == d.fwmark() && v.ipv6 == d.isIpv6()) {
          return v;
        }
      }
    }
    VirtualService portZero = null;
    for (VirtualService v : list) {
      if (v.fwmark == 0
          && v.protocol == d.protocol()
          && v.ipv6 == d.isIpv6()
          && v.address.hi() == d.destinationHi()
          && v.address.lo() == d.destinationLo()) {
        if (v.port == d.destinationPort()) {
          return v;
        }
        if (v.port == 0) {
          portZero = v;
        }
      }
    }
    return portZero;
  }
}
