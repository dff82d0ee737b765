package io.pe4j.core;

import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.internal.EngineUses;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The options of a virtual service, immutable: {@code -A}/{@code -E} build a new one and publish it
 * with one volatile write ({@link VirtualService#config}), and a datagram reads it once, so it sees
 * one configuration or the next, never half of each (as the kernel's {@code ip_vs_edit_service}
 * swaps a service's options under its lock, and Envoy and Katran swap whole tables).
 */
final class ServiceConfig {

  final String schedulerName;
  final Scheduler scheduler;
  final Set<String> schedulerFlags;
  final boolean persistent;
  final int timeoutSeconds;

  /** IPv4 netmask as a network-order int, or the IPv6 prefix length. */
  final int netmask;

  final boolean onePacket;
  final @Nullable PersistenceEngine engine;
  final FailurePolicy failurePolicy;

  /** The engine's lock-free counter of this service's templates, or null without an engine. */
  final @Nullable EngineUses templateUses;

  /** The real servers with their settings, as this configuration has them. */
  final Servers servers;

  ServiceConfig(
      String schedulerName,
      Scheduler scheduler,
      Set<String> schedulerFlags,
      boolean persistent,
      int timeoutSeconds,
      int netmask,
      boolean onePacket,
      @Nullable PersistenceEngine engine,
      FailurePolicy failurePolicy,
      @Nullable EngineUses templateUses,
      Servers servers) {
    this.schedulerName = schedulerName;
    this.scheduler = scheduler;
    this.schedulerFlags = Set.copyOf(schedulerFlags);
    this.persistent = persistent;
    this.timeoutSeconds = timeoutSeconds;
    this.netmask = netmask;
    this.onePacket = onePacket;
    this.engine = engine;
    this.failurePolicy = failurePolicy;
    this.templateUses = templateUses;
    this.servers = servers;
  }

  /** Returns these options with {@code next} as the real servers. */
  ServiceConfig withServers(Servers next) {
    return new ServiceConfig(
        schedulerName,
        scheduler,
        schedulerFlags,
        persistent,
        timeoutSeconds,
        netmask,
        onePacket,
        engine,
        failurePolicy,
        templateUses,
        next);
  }

  VirtualService service() {
    return servers.service();
  }

  /** The configuration of a service just created: wlc, no persistence, a full netmask. */
  static ServiceConfig initial(Scheduler scheduler, VirtualService service) {
    boolean ipv6 = service.ipv6;
    return new ServiceConfig(
        "wlc",
        scheduler,
        Set.of(),
        false,
        0,
        ipv6 ? 128 : -1,
        false,
        null,
        FailurePolicy.FALLBACK,
        null,
        new Servers(service, java.util.List.of(), Set.of()));
  }

  /** Returns the upper word of a client address masked by the persistence netmask (§3.1). */
  long maskHi(boolean ipv6, long hi) {
    return ipv6 ? hi & IpAddress.prefixMaskHi(netmask) : 0;
  }

  /**
   * Returns the lower word of a client address masked by the persistence netmask: any 32-bit mask
   * for IPv4, contiguous or not (§3.1).
   */
  long maskLo(boolean ipv6, long lo) {
    return ipv6 ? lo & IpAddress.prefixMaskLo(netmask) : lo & netmask & 0xffff_ffffL;
  }
}
