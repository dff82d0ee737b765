package io.pe4j.core;

import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.util.ArrayList;
import java.util.BitSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;
import org.jspecify.annotations.Nullable;

/**
 * A virtual service, as {@code ipvsadm -A} creates it: keyed by (protocol, address, port) or by
 * fwmark, with its scheduler, persistence options and real servers. Read-only to hosts; changed
 * through {@link Ipvs}.
 */
public final class VirtualService {

  /** The persistence timeout ipvsadm sets for {@code -p} without a value (scenario 56). */
  public static final int DEFAULT_PERSISTENCE_SECONDS = 360;

  final Protocol protocol;
  final IpAddress address;
  final int port;
  final int fwmark;
  final boolean ipv6;

  /** Its index in the configuration's service lookup: unique among listed services. */
  final int slot;

  /**
   * The latest published options and servers, for listings and hosts (the datagram path reads them
   * from the {@link Configuration} it took for the datagram); written by the config plane.
   */
  volatile ServiceConfig config;

  /** The options of the next configuration: the config plane's, under its lock. */
  ServiceConfig pending;

  /**
   * The real servers of the next configuration, newest first as the kernel inserts at the head
   * (spec §8.0): the config plane's, under its lock.
   */
  final ArrayList<Destination> destinations = new ArrayList<>();

  /** Deleted destinations that may be revived by re-adding them (spec §3.6): the plane's. */
  final ArrayList<Destination> trash = new ArrayList<>();

  /** Free slots for this service's servers: the plane's. */
  final BitSet destinationSlots = new BitSet();

  final Counters counters = new Counters();
  final ConcurrentHashMap<String, LongAdder> engineFailures = new ConcurrentHashMap<>();
  final LongAdder templatesRefused = new LongAdder();
  final LongAdder templatesEvicted = new LongAdder();
  final String name;

  /** Who holds the engine for this service's templates, made once (not per new template). */
  final String templatesHolder;

  /** The OUT verdict for datagrams NATed back to clients: from the virtual address and port. */
  final Verdict natOut;

  VirtualService(
      Protocol protocol,
      IpAddress address,
      int port,
      int fwmark,
      boolean ipv6,
      int slot,
      Scheduler scheduler) {
    this.protocol = protocol;
    this.address = address;
    this.port = port;
    this.fwmark = fwmark;
    this.ipv6 = ipv6;
    this.slot = slot;
    this.config = ServiceConfig.initial(scheduler, this);
    this.pending = config;
    this.natOut = Verdict.out(address, port, "nat");
    this.name =
        fwmark != 0
            ? "FWM " + fwmark + (ipv6 ? " IPv6" : "")
            : protocol + " " + address.withPort(port);
    this.templatesHolder = "templates of " + name;
  }

  /** Returns the protocol ({@link Protocol#IP} for a fwmark service). */
  public Protocol protocol() {
    return protocol;
  }

  /** Returns the virtual address (0.0.0.0 or :: for a fwmark service). */
  public IpAddress address() {
    return address;
  }

  /** Returns the virtual port (0 for fwmark and port-zero services). */
  public int port() {
    return port;
  }

  /** Returns the fwmark, or 0 when the service is keyed by address. */
  public int fwmark() {
    return fwmark;
  }

  /** Returns whether it is an IPv6 service. */
  public boolean isIpv6() {
    return ipv6;
  }

  /** Returns the scheduler's name. */
  public String schedulerName() {
    return config.schedulerName;
  }

  /** Returns the scheduler flags ({@code -b}), such as {@code sh-fallback}. */
  public Set<String> schedulerFlags() {
    return config.schedulerFlags;
  }

  /** Returns whether the service is persistent ({@code -p}). */
  public boolean isPersistent() {
    return config.persistent;
  }

  /** Returns the persistence timeout in seconds. */
  public int timeoutSeconds() {
    return config.timeoutSeconds;
  }

  /** Returns the IPv4 persistence netmask as a network-order int (IPv4 services). */
  public int netmaskIpv4() {
    return config.netmask;
  }

  /** Returns the IPv6 persistence prefix length (IPv6 services). */
  public int prefixLength() {
    return config.netmask;
  }

  /** Returns whether one-packet scheduling ({@code -o}) is on. */
  public boolean isOnePacket() {
    return config.onePacket;
  }

  /** Returns the persistence engine ({@code --pe}), or null. */
  public @Nullable PersistenceEngine engine() {
    return config.engine;
  }

  /** Returns what happens to datagrams the engine cannot key. */
  public FailurePolicy failurePolicy() {
    return config.failurePolicy;
  }

  /**
   * Returns the real servers of the latest published configuration, newest first (the kernel's list
   * order), as an unmodifiable list.
   */
  public List<Destination> destinations() {
    return config.servers.asList();
  }

  /** The real server with that address and port in the latest published list, or null. */
  @Nullable Destination publishedDestination(IpAddress address, int port) {
    for (Destination d : destinations()) {
      if (d.address.equals(address) && d.port == port) {
        return d;
      }
    }
    return null;
  }

  /** Returns the real servers, with their settings, of the latest published configuration. */
  public Servers servers() {
    return config.servers;
  }

  /** Returns the counters. */
  public Counters counters() {
    return counters;
  }

  /** Returns the engine failures counted per no-match reason (whatever the policy did). */
  public Map<String, Long> engineFailures() {
    Map<String, Long> out = new TreeMap<>();
    engineFailures.forEach((reason, n) -> out.put(reason, n.sum()));
    return out;
  }

  /** Returns how many new keys were scheduled without a template because the table was full. */
  public long templatesRefused() {
    return templatesRefused.sum();
  }

  /**
   * Returns how many of this service's templates were removed to make room in a full table: each
   * had seen one datagram only, with no reply and no connection.
   */
  public long templatesEvicted() {
    return templatesEvicted.sum();
  }

  /** Returns the name listings use: {@code UDP 10.0.0.1:5060}, {@code FWM 1}. */
  @Override
  public String toString() {
    return name;
  }
}
