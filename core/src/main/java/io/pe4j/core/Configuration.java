package io.pe4j.core;

import io.pe4j.api.Datagram;
import org.jspecify.annotations.Nullable;

/**
 * Everything the datagram path decides by, as one immutable value: the service table with each
 * service's options and real servers (weights, methods, thresholds), the connection timeouts and
 * the sysctls. The config plane builds a new one for each change (or batch) and publishes it with
 * one volatile write; the path reads one per datagram, so that no datagram sees half of a change.
 */
final class Configuration {

  static final Configuration EMPTY =
      new Configuration(new ServiceConfig[0], Timeouts.DEFAULT, false, false, 0);

  /** The services in list order: each {@link ServiceConfig} names its service. */
  final ServiceConfig[] services;

  private final ServiceConfig[] bySlot;
  private final java.util.Map<ServiceId, ServiceConfig> byKey;
  final Timeouts timeouts;
  final boolean expireQuiescentTemplate;
  final boolean expireNodestConn;

  /** How many services have an engine with {@code conn_out}: 0 skips the outbound search. */
  final int connOutServices;

  /** Increases by one with each publication (tests, listings). */
  final long generation;

  private Configuration(
      ServiceConfig[] services,
      Timeouts timeouts,
      boolean expireQuiescentTemplate,
      boolean expireNodestConn,
      long generation) {
    this.services = services;
    this.timeouts = timeouts;
    this.expireQuiescentTemplate = expireQuiescentTemplate;
    this.expireNodestConn = expireNodestConn;
    this.generation = generation;
    int maxSlot = -1;
    int connOut = 0;
    for (ServiceConfig c : services) {
      maxSlot = Math.max(maxSlot, c.service().slot);
      if (c.engine != null && c.engine.supportsConnOut()) {
        connOut++;
      }
    }
    this.connOutServices = connOut;
    this.bySlot = new ServiceConfig[maxSlot + 1];
    this.byKey = new java.util.HashMap<>();
    for (ServiceConfig c : services) {
      bySlot[c.service().slot] = c;
      byKey.put(ServiceId.of(c.service()), c);
    }
  }

  Configuration with(
      ServiceConfig[] services,
      Timeouts timeouts,
      boolean expireQuiescentTemplate,
      boolean expireNodestConn) {
    return new Configuration(
        services, timeouts, expireQuiescentTemplate, expireNodestConn, generation + 1);
  }

  /** Returns the service's configuration here, or null if it is not listed (deleted). */
  @Nullable ServiceConfig of(VirtualService svc) {
    int slot = svc.slot;
    if (slot >= bySlot.length) {
      return null;
    }
    ServiceConfig c = bySlot[slot];
    return c != null && c.service() == svc ? c : null;
  }

  /** Returns the service with that key here, or null (not for the datagram path: it hashes). */
  @Nullable VirtualService service(
      io.pe4j.api.Protocol protocol, io.pe4j.api.IpAddress address, int port, int fwmark) {
    ServiceConfig c = byKey.get(ServiceId.of(protocol, address, port, fwmark));
    return c == null ? null : c.service();
  }

  /** Whether {@code d} is a listed server of a listed service here. */
  boolean isAvailable(Destination d) {
    ServiceConfig c = of(d.service);
    return c != null && c.servers.indexOf(d) >= 0;
  }

  /**
   * Finds the service of a client's datagram, as {@code ip_vs_service_find}: fwmark, then protocol,
   * address and port, then port zero. No lock, no allocation.
   */
  @Nullable ServiceConfig findService(Datagram d) {
    ServiceConfig[] list = services; // an array: no iterator allocated per datagram
    if (d.fwmark() != 0) {
      for (ServiceConfig c : list) {
        VirtualService v = c.service();
        if (v.fwmark == d.fwmark() && v.ipv6 == d.isIpv6()) {
          return c;
        }
      }
    }
    ServiceConfig portZero = null;
    for (ServiceConfig c : list) {
      VirtualService v = c.service();
      if (v.fwmark == 0
          && v.protocol == d.protocol()
          && v.ipv6 == d.isIpv6()
          && v.address.hi() == d.destinationHi()
          && v.address.lo() == d.destinationLo()) {
        if (v.port == d.destinationPort()) {
          return c;
        }
        if (v.port == 0) {
          portZero = c;
        }
      }
    }
    return portZero;
  }
}
