package io.pe4j.core;

import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * The connection table as ipvsadm and /proc print it ({@code -Lcn}, {@code --persistent-conn},
 * {@code /proc/net/ip_vs_conn}, {@code ip_vs_conn_sync}): templates and connections as rows,
 * streamed one at a time.
 */
final class ConnectionListings {

  private ConnectionListings() {}

  private static final long SECOND = 1_000_000_000L;

  /** {@code ipvsadm -Lcn [--persistent-conn]}. */
  static String connections(Ipvs ipvs, boolean persistentConn) {
    StringBuilder sb = new StringBuilder();
    try {
      connections(ipvs, persistentConn, sb);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // a StringBuilder does not throw
    }
    return sb.toString();
  }

  /**
   * Writes {@code ipvsadm -Lcn [--persistent-conn]} to {@code sb} one entry at a time: memory stays
   * bounded by the table's references, not by the listing's text.
   */
  static void connections(Ipvs ipvs, boolean persistentConn, Appendable sb)
      throws java.io.IOException {
    sb.append("IPVS connection entries\n");
    if (persistentConn) {
      sb.append(
          String.format(
              Locale.ROOT,
              "pro expire %-11s %-18s %-18s %-18s %-16s %s%n",
              "state",
              "source",
              "virtual",
              "destination",
              "pe name",
              "pe_data"));
    } else {
      sb.append(
          String.format(
              Locale.ROOT,
              "pro expire %-11s %-18s %-18s %s%n",
              "state",
              "source",
              "virtual",
              "destination"));
    }
    for (Entry e : lazyEntries(ipvs)) {
      String expire =
          String.format(Locale.ROOT, "%02d:%02d", e.expiresSeconds / 60, e.expiresSeconds % 60);
      String source = e.client.withPort(e.clientPort);
      String virtual = e.virtualText + ":" + e.virtualPort;
      String dest = e.destination.withPort(e.destinationPort);
      if (persistentConn && e.peName != null) {
        sb.append(
            String.format(
                Locale.ROOT,
                "%-3s %-6s %-11s %-18s %-18s %-16s %-18s %s%n",
                e.protocol,
                expire,
                e.state,
                source,
                virtual,
                dest,
                e.peName,
                e.peData));
      } else {
        sb.append(
            String.format(
                Locale.ROOT,
                "%-3s %-6s %-11s %-18s %-18s %s%n",
                e.protocol,
                expire,
                e.state,
                source,
                virtual,
                dest));
      }
    }
  }

  /** {@code /proc/net/ip_vs_conn}. */
  static String procConn(Ipvs ipvs) {
    ipvs.cleanUp();
    List<Entry> entries = entries(ipvs);
    boolean v6 = entries.stream().anyMatch(e -> e.client.isIpv6());
    StringBuilder sb =
        new StringBuilder(
            v6
                ? "Pro FromIP                                   FPrt ToIP                                     TPrt DestIP                                   DPrt State       Expires PEName PEData\n"
                : "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n");
    for (Entry e : entries) {
      String pe = e.peName == null ? "" : " " + e.peName + " " + e.peData;
      sb.append(
          String.format(
              Locale.ROOT,
              "%-3s %s %04X %s %04X %s %04X %-11s %7d%s%n",
              e.protocol,
              e.client.toProcHex(),
              e.clientPort,
              e.virtualHex,
              e.virtualPort,
              e.destination.toProcHex(),
              e.destinationPort,
              e.state,
              e.expiresSeconds,
              pe));
    }
    return sb.toString();
  }

  /** {@code /proc/net/ip_vs_conn_sync}: the Origin column instead of the PE columns. */
  static String procConnSync(Ipvs ipvs) {
    ipvs.cleanUp();
    StringBuilder sb =
        new StringBuilder(
            "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Origin Expires\n");
    for (Entry e : entries(ipvs)) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-3s %s %04X %s %04X %s %04X %-11s %-6s %7d%n",
              e.protocol,
              e.client.toProcHex(),
              e.clientPort,
              e.virtualHex,
              e.virtualPort,
              e.destination.toProcHex(),
              e.destinationPort,
              e.state,
              e.synced ? "SYNC" : "LOCAL",
              e.expiresSeconds));
    }
    return sb.toString();
  }

  /** One row of the connection table, a template or a connection. */
  private static final class Entry {
    String protocol = "";
    IpAddress client = IpAddress.ofIpv4(0);
    int clientPort;
    String virtualText = "";
    String virtualHex = "";
    int virtualPort;
    IpAddress destination = IpAddress.ofIpv4(0);
    int destinationPort;
    String state = "";
    long expiresSeconds;
    @Nullable String peName;
    String peData = "";
    boolean synced;
  }

  private static List<Entry> entries(Ipvs ipvs) {
    List<Entry> out = new ArrayList<>();
    lazyEntries(ipvs).forEach(out::add);
    return out;
  }

  /** The entries of the table, each made when the iteration reaches it. */
  private static Iterable<Entry> lazyEntries(Ipvs ipvs) {
    long now = ipvs.now();
    List<Template> templates = ipvs.templateSnapshot();
    List<Connection> connections = ipvs.connectionSnapshot();
    return () ->
        java.util.stream.Stream.concat(
                templates.stream().map(t -> templateEntry(t, now)),
                connections.stream().map(c -> connectionEntry(c, now)))
            .iterator();
  }

  private static Entry templateEntry(Template t, long now) {
    {
      Entry e = new Entry();
      e.protocol = t.protocol.name();
      e.client = IpAddress.of(t.ipv6, t.clientHi, t.clientLo);
      IpAddress v = IpAddress.of(t.ipv6, t.virtualHi, t.virtualLo);
      if (t.protocol == Protocol.IP && !t.ipv6) {
        // the fwmark sits in the first address word; ipvsadm parses the hex back: 0.0.0.1
        e.virtualText = IpAddress.ofIpv4((int) t.virtualLo).toString();
        e.virtualHex = String.format(Locale.ROOT, "%08X", (int) t.virtualLo);
      } else {
        e.virtualText = t.ipv6 ? "[" + v + "]" : v.toString();
        e.virtualHex = v.toProcHex();
      }
      e.virtualPort = t.virtualPort;
      e.destination = t.destination.address;
      e.destinationPort = t.destinationPort;
      e.state = t.isAssured() ? "ASSURED" : "NONE";
      e.synced = t.synced;
      e.synced = t.synced;
      e.expiresSeconds = Math.max(0, t.remainingNanos(now) / SECOND);
      PersistenceEngine pe = t.engine;
      if (pe != null && t.peData != null) {
        e.peName = pe.name();
        String shown;
        try {
          shown = pe.showPeData(t);
        } catch (RuntimeException ex) {
          shown = String.valueOf(t.peData);
        }
        e.peData = sanitize(shown);
      }
      return e;
    }
  }

  private static Entry connectionEntry(Connection c, long now) {
    {
      Entry e = new Entry();
      e.protocol = c.key.protocol.name();
      e.client = IpAddress.of(c.key.ipv6, c.key.fromHi, c.key.fromLo);
      e.clientPort = c.key.fromPort;
      IpAddress v = IpAddress.of(c.key.ipv6, c.key.toHi, c.key.toLo);
      e.virtualText = c.key.ipv6 ? "[" + v + "]" : v.toString();
      e.virtualHex = v.toProcHex();
      e.virtualPort = c.key.toPort;
      e.destination = c.destination.address;
      e.destinationPort = c.destinationPort;
      e.state = c.isUdp() ? "UDP" : "ESTABLISHED";
      e.expiresSeconds = Math.max(0, (c.expiresAt - now) / SECOND);
      return e;
    }
  }

  /** An engine's printable form must not break the listing: control bytes become {@code \xHH}. */
  private static String sanitize(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (int i = 0; i < s.length(); i++) {
      char c = s.charAt(i);
      if (c < 0x20 || c == 0x7f) {
        sb.append(String.format(Locale.ROOT, "\\x%02x", (int) c));
      } else {
        sb.append(c);
      }
    }
    return sb.toString();
  }
}
