package io.pe4j.core.ipvsadm;

import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import io.pe4j.core.DestinationSpec;
import io.pe4j.core.ForwardingMethod;
import io.pe4j.core.IpvsadmException;
import io.pe4j.core.ServiceSpec;
import io.pe4j.core.VirtualService;
import java.util.List;

/**
 * Parses ipvsadm command lines (ipvsadm 1.31 syntax, spec §11) and runs them against a director
 * ({@link IpvsadmTarget}: an {@link io.pe4j.core.Ipvs}). pe4j extension: {@code --pe-failure
 * drop|fallback} sets a service's engine-failure policy; {@code -S} writes it only when it is not
 * the default.
 */
public final class Ipvsadm {

  private Ipvsadm() {}

  /**
   * Returns what the kernel's {@code /proc/net/ip_vs_conn} would hold for {@code ipvs}: connections
   * and templates in hex, with the persistence engine's name and data.
   */
  public static String procConn(IpvsadmTarget ipvs) {
    return ConnectionListings.procConn(ipvs);
  }

  /** Returns {@code /proc/net/ip_vs_conn_sync}: its Origin column instead of the engine's. */
  public static String procConnSync(IpvsadmTarget ipvs) {
    return ConnectionListings.procConnSync(ipvs);
  }

  /**
   * Returns the words that name {@code svc} on an ipvsadm command line, as {@code -S} prints them:
   * {@code -u 10.0.0.1:5060}, {@code -t [2001:db8::1]:80}, {@code -f 1 -6}.
   */
  public static String selector(VirtualService svc) {
    return Listings.selector(java.util.Objects.requireNonNull(svc, "svc"));
  }

  /**
   * Whether {@code commandLine} lists services and their servers ({@code -L}, {@code -Ln --stats},
   * {@code -L --exact}...), not connections, engine statistics or timeouts: a host may append its
   * servers' health to such a listing. False for a line that does not parse.
   */
  public static boolean listsServices(String commandLine) {
    try {
      IpvsadmParser.Line l = IpvsadmParser.parse(IpvsadmParser.split(commandLine));
      return l.command == IpvsadmParser.Command.LIST && !l.connections && !l.peStats && !l.timeout;
    } catch (IpvsadmException e) {
      return false;
    }
  }

  /**
   * Runs one ipvsadm command line against {@code ipvs} and returns what ipvsadm prints (empty for
   * commands that print nothing).
   *
   * @throws IpvsadmException with ipvsadm's message on a bad command line
   */
  public static String execute(IpvsadmTarget ipvs, String commandLine) {
    java.util.Objects.requireNonNull(ipvs, "ipvs");
    return execute(ipvs, IpvsadmParser.split(commandLine), "");
  }

  /**
   * Runs one ipvsadm command line, writing its output to {@code out} as it goes: a connection
   * listing ({@code -Lc}) is streamed entry by entry instead of built whole.
   *
   * @throws IpvsadmException with ipvsadm's message for a bad line
   * @throws java.io.IOException if {@code out} fails
   */
  public static void execute(IpvsadmTarget ipvs, String commandLine, Appendable out)
      throws java.io.IOException {
    java.util.Objects.requireNonNull(ipvs, "ipvs");
    java.util.Objects.requireNonNull(out, "out");
    execute(ipvs, IpvsadmParser.split(commandLine), "", out);
  }

  private static void execute(IpvsadmTarget ipvs, List<String> args, String stdin, Appendable out)
      throws java.io.IOException {
    IpvsadmParser.Line l = IpvsadmParser.parse(args);
    if (l.command == IpvsadmParser.Command.LIST && l.connections && !l.peStats && !l.timeout) {
      ipvs.cleanUp();
      ConnectionListings.connections(ipvs, l.persistentConn, l.peData, out);
      return;
    }
    out.append(execute(ipvs, args, stdin));
  }

  /**
   * Runs an ipvsadm command given as arguments; {@code stdin} feeds {@code -R}.
   *
   * @throws IpvsadmException with ipvsadm's message on a bad command line
   */
  public static String execute(IpvsadmTarget ipvs, List<String> args, String stdin) {
    java.util.Objects.requireNonNull(ipvs, "ipvs");
    java.util.Objects.requireNonNull(stdin, "stdin");
    IpvsadmParser.Line l = IpvsadmParser.parse(args);
    IpvsadmParser.Command c = l.command;
    if (c == null) {
      throw new IpvsadmException("no command specified");
    }
    switch (c) {
      case EXPLAIN:
        return explain(ipvs, l);
      case RESTORE:
        restore(ipvs, stdin);
        return "";
      case SAVE:
        return Listings.save(ipvs, l.numeric);
      case LIST:
        if (l.peStats) {
          return Listings.peStats(ipvs);
        }
        if (l.peData != null) {
          if (!l.connections) {
            throw new IpvsadmException("--pe-data lists connection entries: use it with -Lc");
          }
          return ConnectionListings.connections(ipvs, l.persistentConn, l.peData);
        }
        return Listings.list(
            ipvs,
            l.connections,
            l.stats,
            l.rate,
            l.persistentConn,
            l.exact,
            l.timeout,
            l.thresholds,
            l.serviceText == null && l.fwmark == 0 ? null : findService(ipvs, l));
      case CLEAR:
        ipvs.control().clear();
        return "";
      case ZERO:
        ipvs.control().zero(l.serviceText == null && l.fwmark == 0 ? null : findService(ipvs, l));
        return "";
      case SET:
        try {
          ipvs.control().setTimeouts(l.timeouts[0], l.timeouts[1], l.timeouts[2]);
        } catch (IllegalArgumentException e) {
          throw new IpvsadmException(
              e.getMessage() == null ? "illegal timeout" : e.getMessage(), e);
        }
        return "";
      default:
        break;
    }
    ServiceSpec spec = serviceSpec(l);
    try {
      switch (c) {
        case ADD_SERVICE:
          ipvs.control().addService(spec);
          break;
        case EDIT_SERVICE:
          ipvs.control().editService(spec);
          break;
        case DELETE_SERVICE:
          ipvs.control().deleteService(spec.protocol(), spec.address(), spec.port(), spec.fwmark());
          break;
        case ADD_SERVER:
          ipvs.control().addDestination(findService(ipvs, l), destinationSpec(l, spec));
          break;
        case EDIT_SERVER:
          ipvs.control().editDestination(findService(ipvs, l), destinationSpec(l, spec));
          break;
        case DELETE_SERVER:
          DestinationSpec d = destinationSpec(l, spec);
          ipvs.control().deleteDestination(findService(ipvs, l), d.address(), d.port());
          break;
        default:
          throw new AssertionError(c);
      }
    } catch (IllegalArgumentException e) {
      String m = String.valueOf(e.getMessage());
      if (m.contains("not found")) {
        // libipvs maps the kernel's ENOENT on add/edit service to this text (scenario 57)
        throw new IpvsadmException("Scheduler or persistence engine not found (" + m + ")", e);
      }
      throw new IpvsadmException(m, e);
    }
    return "";
  }

  /**
   * {@code --explain --from ADDRESS:PORT --to VIP:PORT --payload HEX [-t]}: what a UDP (or, with
   * {@code -t}, TCP) datagram would meet, step by step; nothing changes.
   */
  private static String explain(IpvsadmTarget ipvs, IpvsadmParser.Line l) {
    if (l.from == null || l.to == null || l.payloadHex == null) {
      throw new IpvsadmException("--explain needs --from ADDRESS:PORT --to VIP:PORT --payload HEX");
    }
    byte[] payload;
    try {
      payload = java.util.HexFormat.of().parseHex(l.payloadHex);
    } catch (IllegalArgumentException e) {
      throw new IpvsadmException("--payload must be hexadecimal bytes", e);
    }
    String from = l.from;
    String to = l.to;
    io.pe4j.api.Datagram d =
        io.pe4j.api.Datagram.udp(
            Addresses.address(from, "--from"),
            Addresses.port(from, 0, "--from"),
            Addresses.address(to, "--to"),
            Addresses.port(to, 0, "--to"),
            payload);
    if (l.protocol == io.pe4j.api.Protocol.TCP) {
      d.set(
          io.pe4j.api.Protocol.TCP,
          d.sourceAddress(),
          d.sourcePort(),
          d.destinationAddress(),
          d.destinationPort());
    }
    return ipvs.explain(d);
  }

  private static void restore(IpvsadmTarget ipvs, String stdin) {
    ipvs.control().batch(() -> restoreLines(ipvs, stdin));
  }

  private static void restoreLines(IpvsadmTarget ipvs, String stdin) {
    String[] lines = stdin.split("\r?\n", -1);
    for (int i = 0; i < lines.length; i++) {
      String raw = lines[i].trim();
      if (raw.isEmpty() || raw.startsWith("#")) {
        continue;
      }
      List<String> args = IpvsadmParser.split(raw);
      args.removeIf("ipvsadm"::equals);
      try {
        IpvsadmParser.Line l = IpvsadmParser.parse(args);
        if (l.command == IpvsadmParser.Command.RESTORE
            || l.command == IpvsadmParser.Command.SAVE
            || l.command == IpvsadmParser.Command.LIST) {
          throw new IpvsadmException(
              "only -A -E -D -C -Z -a -e -d --set may appear in a restore file");
        }
        execute(ipvs, args, "");
      } catch (IpvsadmException e) {
        throw new IpvsadmException("line " + (i + 1) + ": " + e.getMessage() + ": " + raw, e);
      }
    }
  }

  private static VirtualService findService(IpvsadmTarget ipvs, IpvsadmParser.Line l) {
    ServiceSpec s = serviceSpec(l);
    VirtualService svc = ipvs.service(s.protocol(), s.address(), s.port(), s.fwmark());
    if (svc == null) {
      throw new IpvsadmException("No such service");
    }
    return svc;
  }

  static ServiceSpec serviceSpec(IpvsadmParser.Line l) {
    IpAddress address;
    int port;
    Protocol protocol = l.protocol == null ? Protocol.UDP : l.protocol;
    if (l.fwmark != 0) {
      address = l.ipv6Flag ? IpAddress.ofIpv6(0, 0) : IpAddress.ofIpv4(0);
      port = 0;
    } else {
      String text = l.serviceText == null ? "0.0.0.0" : l.serviceText;
      address = Addresses.address(text, "virtual server");
      port = Addresses.port(text, 0, "virtual server");
    }
    int netmask = address.isIpv6() ? 128 : -1;
    if (l.netmaskText != null) {
      if (address.isIpv6()) {
        try {
          netmask = Integer.parseInt(l.netmaskText);
        } catch (NumberFormatException e) {
          netmask = -1;
        }
        if (netmask < 1 || netmask > 128) {
          throw new IpvsadmException("illegal ipv6 netmask specified");
        }
      } else {
        try {
          netmask = IpAddress.parse(l.netmaskText).ipv4();
        } catch (IllegalArgumentException e) {
          throw new IpvsadmException("illegal netmask specified: " + l.netmaskText, e);
        }
      }
    }
    if (l.command == IpvsadmParser.Command.ADD_SERVICE
        && port == 0
        && l.fwmark == 0
        && l.persistent <= 0) {
      throw new IpvsadmException("Zero port specified for non-persistent service");
    }
    return new ServiceSpec(
        protocol,
        address,
        port,
        l.fwmark,
        l.scheduler == null ? "wlc" : l.scheduler,
        l.schedulerFlags,
        Math.max(0, l.persistent),
        netmask,
        l.onePacket,
        l.engine,
        l.failurePolicy);
  }

  private static DestinationSpec destinationSpec(IpvsadmParser.Line l, ServiceSpec service) {
    String text = l.serverText == null ? "" : l.serverText;
    IpAddress address = Addresses.address(text, "real server");
    int port = Addresses.port(text, service.port(), "real server");
    ForwardingMethod method = l.method == null ? ForwardingMethod.ROUTE : l.method;
    boolean addOrEdit =
        l.command == IpvsadmParser.Command.ADD_SERVER
            || l.command == IpvsadmParser.Command.EDIT_SERVER;
    if (addOrEdit
        && (method == ForwardingMethod.ROUTE || method == ForwardingMethod.TUNNEL)
        && service.fwmark() == 0) {
      port = service.port(); // ipvsadm forces the service port for -g and -i when adding or editing
    }
    try {
      return new DestinationSpec(
          address, port, method, l.weight < 0 ? 1 : l.weight, l.upper, l.lower);
    } catch (IllegalArgumentException e) {
      throw new IpvsadmException(String.valueOf(e.getMessage()), e);
    }
  }
}
