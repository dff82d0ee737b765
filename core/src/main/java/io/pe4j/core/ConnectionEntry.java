package io.pe4j.core;

import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import org.jspecify.annotations.Nullable;

/**
 * One row of the connection table as {@code ipvsadm -Lcn --persistent-conn} and {@code
 * /proc/net/ip_vs_conn} show it: a template or a connection, read at one instant. A value: it holds
 * no reference into the table.
 *
 * @param protocol {@code TCP}, {@code UDP}, {@code SCTP}, or {@code IP} for a firewall-mark
 *     template
 * @param template whether this row is a connection template
 * @param client the client address (a template's masked client address, 0.0.0.0 under OPS)
 * @param clientPort the client port (0 for a template)
 * @param virtual the virtual address; for a firewall-mark template the mark as an IPv4 address
 *     (ipvsadm prints mark 1 as 0.0.0.1)
 * @param virtualPort the virtual port (0 for a firewall-mark or port-0 template)
 * @param destination the real server's address
 * @param destinationPort the real server's port
 * @param state {@code ASSURED} or {@code NONE} for a template, {@code UDP} or {@code ESTABLISHED}
 *     for a connection
 * @param expiresSeconds seconds until the entry expires, as ipvsadm counts them
 * @param peName the engine's name, or null when the template carries no pe data
 * @param peData the engine's printable form of its pe data ({@code showPeData}), empty without one
 * @param synced whether the entry came from a sync message (the {@code SYNC} origin)
 */
public record ConnectionEntry(
    Protocol protocol,
    boolean template,
    IpAddress client,
    int clientPort,
    IpAddress virtual,
    int virtualPort,
    IpAddress destination,
    int destinationPort,
    String state,
    long expiresSeconds,
    @Nullable String peName,
    String peData,
    boolean synced) {

  /** Checks that only {@code peName} is absent. */
  public ConnectionEntry {
    java.util.Objects.requireNonNull(protocol, "protocol");
    java.util.Objects.requireNonNull(client, "client");
    java.util.Objects.requireNonNull(virtual, "virtual");
    java.util.Objects.requireNonNull(destination, "destination");
    java.util.Objects.requireNonNull(state, "state");
    java.util.Objects.requireNonNull(peData, "peData");
  }

  private static final long SECOND = 1_000_000_000L;

  static ConnectionEntry of(Template t, long now) {
    IpAddress v =
        t.protocol() == Protocol.IP && !t.ipv6
            ? IpAddress.ofIpv4((int) t.virtualLo) // the mark sits in the first address word
            : IpAddress.of(t.ipv6, t.virtualHi, t.virtualLo);
    String peName = null;
    String peData = "";
    PersistenceEngine pe = t.engine();
    if (pe != null && t.peData != null) {
      peName = pe.name();
      try {
        peData = pe.showPeData(t);
      } catch (RuntimeException e) {
        peData = String.valueOf(t.peData); // a faulty engine must not break the listing
      }
    }
    return new ConnectionEntry(
        t.protocol(),
        true,
        IpAddress.of(t.ipv6, t.clientHi, t.clientLo),
        0,
        v,
        t.virtualPort,
        t.destination.address,
        t.destinationPort,
        t.isAssured() ? "ASSURED" : "NONE",
        Math.max(0, t.remainingNanos(now) / SECOND),
        peName,
        peData,
        t.synced);
  }

  static ConnectionEntry of(Connection c, long now) {
    ConnKey k = c.key;
    return new ConnectionEntry(
        k.protocol,
        false,
        IpAddress.of(k.ipv6, k.fromHi, k.fromLo),
        k.fromPort,
        IpAddress.of(k.ipv6, k.toHi, k.toLo),
        k.toPort,
        c.destination.address,
        c.destinationPort,
        c.isUdp() ? "UDP" : "ESTABLISHED",
        Math.max(0, (c.expiresAt - now) / SECOND),
        null,
        "",
        false);
  }
}
