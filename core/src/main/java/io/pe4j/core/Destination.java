package io.pe4j.core;

import io.pe4j.api.IpAddress;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * A real server of a virtual service, as {@code ipvsadm -a} creates it. Read-only to hosts and
 * schedulers; changed through {@link Ipvs}.
 */
public final class Destination {

  final VirtualService service;
  final IpAddress address;
  final int port;

  /** Its index in its service's {@link Servers} lookup: unique among the service's servers. */
  final int slot;

  /** Settings as {@code -a}/{@code -e} give them. */
  record Settings(
      ForwardingMethod method, int weight, int lastWeight, int upperThreshold, int lowerThreshold) {
    Settings with(ForwardingMethod m, int w, int upper, int lower) {
      return new Settings(m, w, w > 0 ? w : lastWeight, upper, lower);
    }
  }

  /** The settings of the next configuration: written by the config plane under its lock. */
  Settings pending;

  // The latest published settings, for listings and hosts (the datagram path reads the
  // configuration's Servers instead); written by the config plane when it publishes.
  volatile ForwardingMethod method;
  volatile int weight;

  /** The latest non-zero weight ({@code mh} keeps quiescent servers' slots, spec §8.2). */
  volatile int lastWeight;

  volatile int upperThreshold;
  volatile int lowerThreshold;
  volatile boolean available;

  /** When it was deleted to the trash (spec §3.6), in ticker nanoseconds. */
  volatile long deletedAt;

  volatile boolean overloaded;
  final AtomicInteger activeConns = new AtomicInteger();
  final AtomicInteger inactiveConns = new AtomicInteger();
  final AtomicInteger persistConns = new AtomicInteger();
  final Counters counters = new Counters();

  /** The verdict for the common case "forward to this destination's own port", pre-built. */
  final Verdict forwardToPort;

  Destination(VirtualService service, IpAddress address, int port, int slot, Settings settings) {
    this.service = service;
    this.address = address;
    this.port = port;
    this.slot = slot;
    this.pending = settings;
    this.method = settings.method();
    this.forwardToPort = Verdict.forward(this, port);
  }

  /** Copies the published settings to the fields listings read. */
  void published(@org.jspecify.annotations.Nullable Settings s) {
    if (s == null) {
      available = false;
      return;
    }
    method = s.method();
    weight = s.weight();
    lastWeight = s.lastWeight();
    upperThreshold = s.upperThreshold();
    lowerThreshold = s.lowerThreshold();
    available = true;
  }

  /** Returns the real server's address. */
  public IpAddress address() {
    return address;
  }

  /** Returns the real server's port (0: keep the datagram's destination port). */
  public int port() {
    return port;
  }

  /** Returns the forwarding method. */
  public ForwardingMethod method() {
    return method;
  }

  /** Returns the weight, 0..65535; 0 means quiescent (no new keys). */
  public int weight() {
    return weight;
  }

  /** Returns the latest non-zero weight. */
  public int lastWeight() {
    return lastWeight;
  }

  /** Returns the upper connection threshold ({@code -x}), 0 for none. */
  public int upperThreshold() {
    return upperThreshold;
  }

  /** Returns the lower connection threshold ({@code -y}), 0 for none. */
  public int lowerThreshold() {
    return lowerThreshold;
  }

  /**
   * Returns this server as {@code -a} would define it now: address, port, method, weight and
   * thresholds ({@link DestinationSpec#withWeight} for the same server with another weight).
   */
  public DestinationSpec spec() {
    return new DestinationSpec(address, port, method, weight, upperThreshold, lowerThreshold);
  }

  /** Returns the ActiveConn count (TCP/SCTP connections). */
  public int activeConns() {
    return activeConns.get();
  }

  /** Returns the InActConn count (UDP connections are always inactive, spec §8.0). */
  public int inactiveConns() {
    return inactiveConns.get();
  }

  /** Returns the PersistConn count: templates bound to this destination. */
  public int persistConns() {
    return persistConns.get();
  }

  /** Returns whether it is still a member of its service (false once deleted, spec §3.6). */
  public boolean isAvailable() {
    return available;
  }

  /** Returns whether the OVERLOAD flag is set (spec §8.0). */
  public boolean isOverloaded() {
    return overloaded;
  }

  /** Returns the counters. */
  public Counters counters() {
    return counters;
  }

  /** Returns the service it belongs to. */
  public VirtualService service() {
    return service;
  }

  /** Returns the connection overhead lc/wlc compare: {@code active * 256 + inactive}. */
  public int overhead() {
    return activeConns.get() * 256 + inactiveConns.get();
  }

  /** Updates OVERLOAD after a connection count changed (spec §8.0). */
  void updateOverload() {
    int upper = upperThreshold;
    int total = activeConns.get() + inactiveConns.get();
    if (upper != 0 && total >= upper) {
      overloaded = true;
    } else if (overloaded) {
      int lower = lowerThreshold;
      if (upper == 0 || (lower != 0 ? total < lower : total * 4L < upper * 3L)) {
        overloaded = false;
      }
    }
  }

  @Override
  public String toString() {
    return address.withPort(port);
  }
}
