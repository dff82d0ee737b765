package io.pe4j.core.ipvsadm;

import io.pe4j.core.ConnectionEntry;
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

  /** {@code ipvsadm -Lcn [--persistent-conn]}. */
  static String connections(IpvsadmTarget ipvs, boolean persistentConn) {
    return connections(ipvs, persistentConn, null);
  }

  /** {@code ipvsadm -Lcn [--persistent-conn] [--pe-data TEXT]}. */
  static String connections(IpvsadmTarget ipvs, boolean persistentConn, @Nullable String peData) {
    StringBuilder sb = new StringBuilder();
    try {
      connections(ipvs, persistentConn, peData, sb);
    } catch (java.io.IOException e) {
      throw new java.io.UncheckedIOException(e); // a StringBuilder does not throw
    }
    return sb.toString();
  }

  /**
   * Writes {@code ipvsadm -Lcn [--persistent-conn]} to {@code sb} one entry at a time: memory stays
   * bounded by the table's references, not by the listing's text.
   */
  static void connections(
      IpvsadmTarget ipvs, boolean persistentConn, @Nullable String peData, Appendable sb)
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
    for (ConnectionEntry e : ipvs.connectionEntries()) {
      if (peData != null && !peData.equals(e.peData())) {
        continue; // --pe-data: one call's template
      }
      String expire =
          String.format(Locale.ROOT, "%02d:%02d", e.expiresSeconds() / 60, e.expiresSeconds() % 60);
      String source = e.client().withPort(e.clientPort());
      String virtual = virtualText(e) + ":" + e.virtualPort();
      String dest = e.destination().withPort(e.destinationPort());
      if (persistentConn && e.peName() != null) {
        sb.append(
            String.format(
                Locale.ROOT,
                "%-3s %-6s %-11s %-18s %-18s %-16s %-18s %s%n",
                e.protocol().name(),
                expire,
                e.state(),
                source,
                virtual,
                dest,
                e.peName(),
                sanitize(e.peData())));
      } else {
        sb.append(
            String.format(
                Locale.ROOT,
                "%-3s %-6s %-11s %-18s %-18s %s%n",
                e.protocol().name(),
                expire,
                e.state(),
                source,
                virtual,
                dest));
      }
    }
  }

  /** {@code /proc/net/ip_vs_conn}. */
  static String procConn(IpvsadmTarget ipvs) {
    ipvs.cleanUp();
    List<ConnectionEntry> entries = entries(ipvs);
    boolean v6 = entries.stream().anyMatch(e -> e.client().isIpv6());
    StringBuilder sb =
        new StringBuilder(
            v6
                ? "Pro FromIP                                   FPrt ToIP                                     TPrt DestIP                                   DPrt State       Expires PEName PEData\n"
                : "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Expires PEName PEData\n");
    for (ConnectionEntry e : entries) {
      String pe = e.peName() == null ? "" : " " + e.peName() + " " + sanitize(e.peData());
      procColumns(sb, e).append(String.format(Locale.ROOT, " %7d%s%n", e.expiresSeconds(), pe));
    }
    return sb.toString();
  }

  /** The columns both /proc files start with: protocol, addresses and ports in hex, state. */
  private static StringBuilder procColumns(StringBuilder sb, ConnectionEntry e) {
    return sb.append(
        String.format(
            Locale.ROOT,
            "%-3s %s %04X %s %04X %s %04X %-11s",
            e.protocol().name(),
            e.client().toProcHex(),
            e.clientPort(),
            e.virtual().toProcHex(),
            e.virtualPort(),
            e.destination().toProcHex(),
            e.destinationPort(),
            e.state()));
  }

  /** {@code /proc/net/ip_vs_conn_sync}: the Origin column instead of the PE columns. */
  static String procConnSync(IpvsadmTarget ipvs) {
    ipvs.cleanUp();
    StringBuilder sb =
        new StringBuilder(
            "Pro FromIP   FPrt ToIP     TPrt DestIP   DPrt State       Origin Expires\n");
    for (ConnectionEntry e : entries(ipvs)) {
      procColumns(sb, e)
          .append(
              String.format(
                  Locale.ROOT, " %-6s %7d%n", e.synced() ? "SYNC" : "LOCAL", e.expiresSeconds()));
    }
    return sb.toString();
  }

  private static List<ConnectionEntry> entries(IpvsadmTarget ipvs) {
    List<ConnectionEntry> out = new ArrayList<>();
    ipvs.connectionEntries().forEach(out::add);
    return out;
  }

  private static String virtualText(ConnectionEntry e) {
    return e.virtual().isIpv6() ? "[" + e.virtual() + "]" : e.virtual().toString();
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
