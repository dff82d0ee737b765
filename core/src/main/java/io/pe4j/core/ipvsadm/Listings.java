package io.pe4j.core.ipvsadm;

import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import io.pe4j.core.Counters;
import io.pe4j.core.Destination;
import io.pe4j.core.FailurePolicy;
import io.pe4j.core.VirtualService;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;
import org.jspecify.annotations.Nullable;

/**
 * Renders ipvsadm 1.31's listings byte for byte where spec §9 records the format: {@code -Ln},
 * {@code --stats}, {@code --rate}, {@code --persistent-conn}, {@code --thresholds}, {@code
 * --timeout}, {@code -Lcn}, {@code -Sn} and {@code /proc/net/ip_vs_conn}. Addresses are always
 * numeric (as with {@code -n}); pe4j does no reverse DNS.
 */
final class Listings {

  private Listings() {}

  static final Comparator<VirtualService> SERVICE_ORDER =
      Comparator.<VirtualService>comparingInt(s -> s.fwmark() == 0 ? 1 : 0)
          .thenComparingLong(s -> s.fwmark() & 0xffff_ffffL)
          .thenComparingInt(s -> s.protocol().number())
          .thenComparing(s -> s.address())
          .thenComparingInt(s -> s.port());

  static final Comparator<Destination> DESTINATION_ORDER =
      Comparator.<Destination, IpAddress>comparing(d -> d.address())
          .thenComparingInt(d -> d.port());

  static List<VirtualService> sortedServices(IpvsadmTarget ipvs) {
    List<VirtualService> list = new ArrayList<>(ipvs.services());
    list.sort(SERVICE_ORDER);
    return list;
  }

  static List<Destination> sortedDestinations(VirtualService svc) {
    List<Destination> list = new ArrayList<>(svc.destinations());
    list.sort(DESTINATION_ORDER);
    return list;
  }

  static String list(
      IpvsadmTarget ipvs,
      boolean connections,
      boolean stats,
      boolean rate,
      boolean persistentConn,
      boolean exact,
      boolean timeout,
      boolean thresholds,
      @Nullable VirtualService only) {
    ipvs.cleanUp();
    if (timeout) {
      return String.format(
          Locale.ROOT,
          "Timeout (tcp tcpfin udp): %d %d %d%n",
          ipvs.timeouts().tcp(),
          ipvs.timeouts().tcpFin(),
          ipvs.timeouts().udp());
    }
    if (connections) {
      return ConnectionListings.connections(ipvs, persistentConn);
    }
    StringBuilder sb = new StringBuilder();
    sb.append("IP Virtual Server version 1.2.1 (size=4096)\n");
    if (stats || rate) {
      String[] cols =
          stats
              ? new String[] {"Conns", "InPkts", "OutPkts", "InBytes", "OutBytes"}
              : new String[] {"CPS", "InPPS", "OutPPS", "InBPS", "OutBPS"};
      sb.append(
          String.format(
              Locale.ROOT,
              "%-33s %8s %8s %8s %8s %8s%n  -> RemoteAddress:Port%n",
              "Prot LocalAddress:Port",
              cols[0],
              cols[1],
              cols[2],
              cols[3],
              cols[4]));
    } else if (persistentConn) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-33s %-9s %-11s %-10s %-10s%n  -> RemoteAddress:Port%n",
              "Prot LocalAddress:Port",
              "Weight",
              "PersistConn",
              "ActiveConn",
              "InActConn"));
    } else if (thresholds) {
      sb.append(
          String.format(
              Locale.ROOT,
              "%-33s %-10s %-10s %-10s %-10s%n  -> RemoteAddress:Port%n",
              "Prot LocalAddress:Port",
              "Uthreshold",
              "Lthreshold",
              "ActiveConn",
              "InActConn"));
    } else {
      sb.append("Prot LocalAddress:Port Scheduler Flags\n");
      sb.append("  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn\n");
    }
    for (VirtualService svc : sortedServices(ipvs)) {
      if (only != null && only != svc) {
        continue;
      }
      if (stats || rate) {
        sb.append(String.format(Locale.ROOT, "%-33s", serviceName(svc)));
        numbers(sb, svc.counters(), rate, exact, ipvs.now());
      } else {
        sb.append(serviceLine(svc)).append('\n');
      }
      for (Destination d : sortedDestinations(svc)) {
        String name = d.address().withPort(d.port());
        if (stats || rate) {
          sb.append(String.format(Locale.ROOT, "  -> %-28s", name));
          numbers(sb, d.counters(), rate, exact, ipvs.now());
        } else if (persistentConn) {
          sb.append(
              String.format(
                  Locale.ROOT,
                  "  -> %-28s %-9d %-11d %-10d %-10d%n",
                  name,
                  d.weight(),
                  d.persistConns(),
                  d.activeConns(),
                  d.inactiveConns()));
        } else if (thresholds) {
          sb.append(
              String.format(
                  Locale.ROOT,
                  "  -> %-28s %-10d %-10d %-10d %-10d%n",
                  name,
                  d.upperThreshold(),
                  d.lowerThreshold(),
                  d.activeConns(),
                  d.inactiveConns()));
        } else {
          sb.append(
              String.format(
                  Locale.ROOT,
                  "  -> %-28s %-7s %-6d %-10d %-10d%n",
                  name,
                  d.method().listingName(),
                  d.weight(),
                  d.activeConns(),
                  d.inactiveConns()));
        }
      }
    }
    return sb.toString();
  }

  private static void numbers(StringBuilder sb, Counters c, boolean rate, boolean exact, long now) {
    long[] v =
        rate
            ? c.rates(now)
            : new long[] {c.conns(), c.inPackets(), c.outPackets(), c.inBytes(), c.outBytes()};
    for (long n : v) {
      sb.append(largeNumber(n, exact));
    }
    sb.append('\n');
  }

  /**
   * ipvsadm's {@code print_largenum}: width 9, abbreviated with K, M, G, T unless {@code --exact}.
   */
  static String largeNumber(long i, boolean exact) {
    if (exact) {
      String s = Long.toString(i);
      return String.format(Locale.ROOT, "%" + (s.length() <= 8 ? 9 : s.length() + 1) + "d", i);
    }
    if (i < 100_000_000L) {
      return String.format(Locale.ROOT, "%9d", i);
    } else if (i < 1_000_000_000L) {
      return String.format(Locale.ROOT, "%8dK", i / 1000);
    } else if (i < 100_000_000_000L) {
      return String.format(Locale.ROOT, "%8dM", i / 1_000_000);
    } else if (i < 100_000_000_000_000L) {
      return String.format(Locale.ROOT, "%8dG", i / 1_000_000_000L);
    }
    return String.format(Locale.ROOT, "%8dT", i / 1_000_000_000_000L);
  }

  static String serviceName(VirtualService svc) {
    if (svc.fwmark() != 0) {
      return String.format(
          Locale.ROOT, "FWM  %d%s", svc.fwmark() & 0xffff_ffffL, svc.isIpv6() ? " IPv6" : "");
    }
    return String.format(
        Locale.ROOT, "%-4s %s", svc.protocol().name(), svc.address().withPort(svc.port()));
  }

  /**
   * The default service line: scheduler, flags, persistence block (the PE only inside it [Q]), ops.
   */
  static String serviceLine(VirtualService svc) {
    StringBuilder sb = new StringBuilder(serviceName(svc)).append(' ').append(svc.schedulerName());
    if (!svc.schedulerFlags().isEmpty()) {
      sb.append(" (").append(String.join(",", svc.schedulerFlags())).append(')');
    }
    if (svc.isPersistent()) {
      sb.append(" persistent ").append(svc.timeoutSeconds());
      String mask = netmaskText(svc);
      if (mask != null) {
        sb.append(" mask ").append(mask);
      }
      PersistenceEngine e = svc.engine();
      if (e != null) {
        sb.append(" pe ").append(e.name());
      }
    }
    if (svc.isOnePacket()) {
      sb.append(" ops");
    }
    return sb.toString();
  }

  /**
   * {@code -L --pe-stats} (a pe4j extension): per service, its engine, the datagrams its engine
   * could not key by reason (whatever the failure policy did with them), and the new keys that got
   * no template because the table was full.
   */
  static String peStats(IpvsadmTarget ipvs) {
    List<String[]> rows = new ArrayList<>();
    for (VirtualService svc : sortedServices(ipvs)) {
      PersistenceEngine e = svc.engine();
      String service = serviceName(svc);
      String engine = e == null ? "-" : e.name();
      rows.add(
          new String[] {
            service,
            engine,
            "(templates refused: table full)",
            Long.toString(svc.templatesRefused())
          });
      rows.add(
          new String[] {
            service,
            engine,
            "(templates evicted: one datagram)",
            Long.toString(svc.templatesEvicted())
          });
      svc.engineFailures()
          .forEach((reason, n) -> rows.add(new String[] {service, engine, reason, n.toString()}));
    }
    int reasonWidth = "No-match reason".length();
    for (String[] row : rows) {
      reasonWidth = Math.max(reasonWidth, row[2].length());
    }
    String format = "%-33s %-10s %-" + reasonWidth + "s %s%n"; // the widest reason sets the column
    StringBuilder sb =
        new StringBuilder(
            String.format(
                Locale.ROOT,
                format,
                "Prot LocalAddress:Port",
                "Engine",
                "No-match reason",
                "Count"));
    for (String[] row : rows) {
      sb.append(String.format(Locale.ROOT, format, (Object[]) row));
    }
    return sb.toString();
  }

  /** {@code ipvsadm -Sn}: one command per line, re-readable with {@code -R}. */
  static String save(IpvsadmTarget ipvs, boolean numeric) {
    StringBuilder sb = new StringBuilder();
    for (VirtualService svc : sortedServices(ipvs)) {
      String sel = selector(svc);
      sb.append("-A ").append(sel).append(" -s ").append(svc.schedulerName());
      if (svc.isPersistent()) {
        sb.append(" -p ").append(svc.timeoutSeconds());
      }
      String mask = netmaskText(svc);
      if (mask != null) {
        sb.append(" -M ").append(mask);
      }
      PersistenceEngine e = svc.engine();
      if (e != null) {
        sb.append(" --pe ").append(e.name()); // [Q] printed regardless of persistence
      }
      if (svc.isOnePacket()) {
        sb.append(" -o");
      }
      if (!svc.schedulerFlags().isEmpty()) {
        sb.append(" -b ").append(String.join(",", svc.schedulerFlags()));
      }
      if (svc.failurePolicy() != FailurePolicy.FALLBACK) {
        sb.append(" --pe-failure ").append(svc.failurePolicy().name().toLowerCase(Locale.ROOT));
      }
      sb.append('\n');
      for (Destination d : sortedDestinations(svc)) {
        // [Q] thresholds are not saved, as ipvsadm-save does not save them
        sb.append("-a ")
            .append(sel)
            .append(" -r ")
            .append(d.address().withPort(d.port()))
            .append(' ')
            .append(d.method().option())
            .append(" -w ")
            .append(d.weight())
            .append('\n');
      }
    }
    return sb.toString();
  }

  static String selector(VirtualService svc) {
    if (svc.fwmark() != 0) {
      return "-f " + (svc.fwmark() & 0xffff_ffffL) + (svc.isIpv6() ? " -6" : "");
    }
    String opt =
        svc.protocol() == Protocol.TCP
            ? "-t"
            : svc.protocol() == Protocol.UDP ? "-u" : "--sctp-service";
    return opt + " " + svc.address().withPort(svc.port());
  }

  /** Returns the persistence netmask as ipvsadm prints it, or null for the full mask. */
  private static @Nullable String netmaskText(VirtualService svc) {
    int mask = svc.isIpv6() ? svc.prefixLength() : svc.netmaskIpv4();
    if (!svc.isIpv6() && mask != -1) {
      return IpAddress.ofIpv4(mask).toString();
    }
    return svc.isIpv6() && mask != 128 ? Integer.toString(mask) : null;
  }
}
