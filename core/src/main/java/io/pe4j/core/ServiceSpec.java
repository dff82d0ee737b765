package io.pe4j.core;

import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import java.util.Objects;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * The definition of a virtual service, everything {@code ipvsadm -A} or {@code -E} carries. An edit
 * replaces all options, as ipvsadm's does (spec §11).
 *
 * @param protocol {@link Protocol#TCP}, {@link Protocol#UDP} or {@link Protocol#SCTP}; {@link
 *     Protocol#IP} for a fwmark service
 * @param address the virtual address (any address of the family for a fwmark service)
 * @param port the virtual port; 0 for a port-zero (persistent only) or fwmark service
 * @param fwmark the firewall mark of a fwmark service, else 0
 * @param scheduler the scheduler's name ({@code wlc} is ipvsadm's default)
 * @param schedulerFlags {@code sh-fallback}, {@code sh-port}, {@code mh-fallback}, {@code mh-port},
 *     {@code flag-1..3}
 * @param persistenceSeconds the persistence timeout, or 0 for a non-persistent service
 * @param netmask the IPv4 persistence netmask as a network-order int (-1 = /32), or the IPv6 prefix
 *     length 1..128
 * @param onePacket one-packet scheduling ({@code -o})
 * @param engine the persistence engine's name ({@code --pe}), or null
 * @param failurePolicy what happens to datagrams the engine cannot key (a pe4j extension)
 */
public record ServiceSpec(
    Protocol protocol,
    IpAddress address,
    int port,
    int fwmark,
    String scheduler,
    Set<String> schedulerFlags,
    int persistenceSeconds,
    int netmask,
    boolean onePacket,
    @Nullable String engine,
    FailurePolicy failurePolicy) {

  /** Validates the definition as the kernel does. */
  public ServiceSpec {
    Objects.requireNonNull(protocol, "protocol");
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(scheduler, "scheduler");
    Objects.requireNonNull(failurePolicy, "failurePolicy");
    schedulerFlags = Set.copyOf(schedulerFlags);
    if (port < 0 || port > 0xffff) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
    if (fwmark == 0 && protocol == Protocol.IP) {
      throw new IllegalArgumentException("protocol IP is only for fwmark services");
    }
    if (persistenceSeconds < 0) {
      throw new IllegalArgumentException("persistence timeout must not be negative");
    }
    if (address.isIpv6() && (netmask < 1 || netmask > 128)) {
      throw new IllegalArgumentException("illegal ipv6 netmask specified: " + netmask);
    }
  }

  /** Returns a UDP service definition with ipvsadm's defaults: {@code wlc}, not persistent. */
  public static ServiceSpec udp(IpAddress address, int port) {
    return new ServiceSpec(
        Protocol.UDP,
        address,
        port,
        0,
        "wlc",
        Set.of(),
        0,
        address.isIpv6() ? 128 : -1,
        false,
        null,
        FailurePolicy.FALLBACK);
  }

  /** The fields of a spec being changed by a wither: each wither changes one, then builds. */
  private static final class Draft {
    String scheduler;
    Set<String> schedulerFlags;
    int persistenceSeconds;
    int netmask;
    boolean onePacket;
    @Nullable String engine;
    FailurePolicy failurePolicy;

    Draft(ServiceSpec s) {
      scheduler = s.scheduler;
      schedulerFlags = s.schedulerFlags;
      persistenceSeconds = s.persistenceSeconds;
      netmask = s.netmask;
      onePacket = s.onePacket;
      engine = s.engine;
      failurePolicy = s.failurePolicy;
    }
  }

  private ServiceSpec with(java.util.function.Consumer<Draft> change) {
    Draft d = new Draft(this);
    change.accept(d);
    return new ServiceSpec(
        protocol,
        address,
        port,
        fwmark,
        d.scheduler,
        d.schedulerFlags,
        d.persistenceSeconds,
        d.netmask,
        d.onePacket,
        d.engine,
        d.failurePolicy);
  }

  /** Returns a copy with the scheduler. */
  public ServiceSpec withScheduler(String name) {
    Objects.requireNonNull(name, "name");
    return with(d -> d.scheduler = name);
  }

  /** Returns a copy with persistence for {@code seconds} (0 turns it off). */
  public ServiceSpec withPersistence(int seconds) {
    return with(d -> d.persistenceSeconds = seconds);
  }

  /** Returns a copy with the netmask (IPv4 network-order int, or IPv6 prefix length). */
  public ServiceSpec withNetmask(int mask) {
    return with(d -> d.netmask = mask);
  }

  /** Returns a copy with one-packet scheduling on or off. */
  public ServiceSpec withOnePacket(boolean on) {
    return with(d -> d.onePacket = on);
  }

  /** Returns a copy with the persistence engine (null for none). */
  public ServiceSpec withEngine(@Nullable String name) {
    return with(d -> d.engine = name);
  }

  /** Returns a copy with the engine-failure policy. */
  public ServiceSpec withFailurePolicy(FailurePolicy policy) {
    Objects.requireNonNull(policy, "policy");
    return with(d -> d.failurePolicy = policy);
  }

  /** Returns a copy with the scheduler flags. */
  public ServiceSpec withSchedulerFlags(Set<String> flags) {
    Objects.requireNonNull(flags, "flags");
    return with(d -> d.schedulerFlags = flags);
  }
}
