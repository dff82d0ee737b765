package io.pe4j.core.ipvsadm;

import io.pe4j.api.Protocol;
import io.pe4j.core.FailurePolicy;
import io.pe4j.core.ForwardingMethod;
import io.pe4j.core.IpvsadmException;
import io.pe4j.core.VirtualService;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Locale;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/** Parses ipvsadm command lines into {@link Line}s, with ipvsadm's own error messages. */
final class IpvsadmParser {

  private IpvsadmParser() {}

  enum Command {
    ADD_SERVICE,
    EDIT_SERVICE,
    DELETE_SERVICE,
    CLEAR,
    RESTORE,
    SAVE,
    ADD_SERVER,
    EDIT_SERVER,
    DELETE_SERVER,
    LIST,
    ZERO,
    SET,
    EXPLAIN
  }

  /** One parsed command line. */
  static final class Line {
    @Nullable Command command;
    @Nullable Protocol protocol;
    @Nullable String serviceText;
    int fwmark;
    boolean ipv6Flag;
    @Nullable String scheduler;
    Set<String> schedulerFlags = Set.of();
    int persistent = -1;
    @Nullable String netmaskText;
    boolean onePacket;
    @Nullable String engine;
    FailurePolicy failurePolicy = FailurePolicy.FALLBACK;
    @Nullable String serverText;
    @Nullable ForwardingMethod method;
    int weight = -1;
    int upper;
    int lower;
    boolean connections;
    boolean stats;
    boolean rate;
    boolean persistentConn;
    boolean exact;
    boolean timeout;
    boolean thresholds;
    boolean peStats;
    boolean numeric;
    int[] timeouts = new int[0];
    @Nullable String peData;
    @Nullable String from;
    @Nullable String to;
    @Nullable String payloadHex;
  }

  static List<String> split(String line) {
    List<String> out = new ArrayList<>();
    for (String t : line.trim().split("[ \t]+")) {
      if (!t.isEmpty()) {
        out.add(t);
      }
    }
    return out;
  }

  static Line parse(List<String> args) {
    Line l = new Line();
    for (int i = 0; i < args.size(); i++) {
      String a = args.get(i);
      switch (a) {
        case "-A":
        case "--add-service":
          command(l, Command.ADD_SERVICE, a);
          break;
        case "-E":
        case "--edit-service":
          command(l, Command.EDIT_SERVICE, a);
          break;
        case "-D":
        case "--delete-service":
          command(l, Command.DELETE_SERVICE, a);
          break;
        case "-C":
        case "--clear":
          command(l, Command.CLEAR, a);
          break;
        case "-R":
        case "--restore":
          command(l, Command.RESTORE, a);
          break;
        case "-S":
        case "--save":
          command(l, Command.SAVE, a);
          break;
        case "-a":
        case "--add-server":
          command(l, Command.ADD_SERVER, a);
          break;
        case "-e":
        case "--edit-server":
          command(l, Command.EDIT_SERVER, a);
          break;
        case "-d":
        case "--delete-server":
          command(l, Command.DELETE_SERVER, a);
          break;
        case "-L":
        case "-l":
        case "--list":
          command(l, Command.LIST, a);
          break;
        case "-Z":
        case "--zero":
          command(l, Command.ZERO, a);
          break;
        case "--set":
          command(l, Command.SET, a);
          l.timeouts = new int[3];
          for (int k = 0; k < 3; k++) {
            l.timeouts[k] = number(value(args, ++i, a), "illegal timeout value", 0, 2_678_400);
          }
          break;
        case "-t":
        case "--tcp-service":
          service(l, Protocol.TCP, value(args, ++i, a));
          break;
        case "-u":
        case "--udp-service":
          service(l, Protocol.UDP, value(args, ++i, a));
          break;
        case "--sctp-service":
          service(l, Protocol.SCTP, value(args, ++i, a));
          break;
        case "-f":
        case "--fwmark-service":
          if (l.protocol != null || l.fwmark != 0) {
            throw new IpvsadmException("multiple service options specified");
          }
          l.fwmark = number(value(args, ++i, a), "illegal fwmark specified", 1, Integer.MAX_VALUE);
          l.protocol = Protocol.IP;
          break;
        case "-6":
        case "--ipv6":
          l.ipv6Flag = true;
          break;
        case "-s":
        case "--scheduler":
          l.scheduler = value(args, ++i, a);
          break;
        case "-b":
        case "--sched-flags":
          l.schedulerFlags = schedulerFlags(value(args, ++i, a));
          break;
        case "-p":
        case "--persistent":
          if (i + 1 < args.size() && args.get(i + 1).matches("[0-9]+")) {
            l.persistent = number(args.get(++i), "invalid persistence timeout", 1, 2_678_400);
          } else {
            l.persistent =
                VirtualService.DEFAULT_PERSISTENCE_SECONDS; // [Q] 360 s, not the man page's 300
          }
          break;
        case "-M":
        case "--netmask":
          l.netmaskText = value(args, ++i, a);
          break;
        case "-o":
        case "--ops":
          l.onePacket = true;
          break;
        case "--pe":
          l.engine = value(args, ++i, a);
          if (l.engine.length() > 16) {
            throw new IpvsadmException("persistence engine name too long: " + l.engine);
          }
          break;
        case "--pe-failure":
          String p = value(args, ++i, a).toLowerCase(Locale.ROOT);
          if (!p.equals("drop") && !p.equals("fallback")) {
            throw new IpvsadmException("--pe-failure takes drop or fallback, not '" + p + "'");
          }
          l.failurePolicy = p.equals("drop") ? FailurePolicy.DROP : FailurePolicy.FALLBACK;
          break;
        case "-r":
        case "--real-server":
          l.serverText = value(args, ++i, a);
          break;
        case "-g":
        case "--gatewaying":
          l.method = ForwardingMethod.ROUTE;
          break;
        case "-i":
        case "--ipip":
          l.method = ForwardingMethod.TUNNEL;
          break;
        case "-m":
        case "--masquerading":
          l.method = ForwardingMethod.MASQ;
          break;
        case "-w":
        case "--weight":
          l.weight = number(value(args, ++i, a), "illegal weight specified", 0, 65535);
          break;
        case "-x":
        case "--u-threshold":
          l.upper =
              number(value(args, ++i, a), "illegal u_threshold specified", 0, Integer.MAX_VALUE);
          break;
        case "-y":
        case "--l-threshold":
          l.lower =
              number(value(args, ++i, a), "illegal l_threshold specified", 0, Integer.MAX_VALUE);
          break;
        case "-c":
        case "--connection":
          l.connections = true;
          break;
        case "-n":
        case "--numeric":
          l.numeric = true;
          break;
        case "--stats":
          l.stats = true;
          break;
        case "--rate":
          l.rate = true;
          break;
        case "--persistent-conn":
          l.persistentConn = true;
          break;
        case "-X":
        case "--exact":
          l.exact = true;
          break;
        case "--timeout":
          l.timeout = true;
          break;
        case "--thresholds":
          l.thresholds = true;
          break;
        case "--pe-stats":
          l.peStats = true;
          break;
        case "--pe-data": // pe4j: list one call's template by its pe data (-Lc)
          l.peData = value(args, ++i, a);
          break;
        case "--explain": // pe4j: what a datagram would meet, without side effects
          command(l, Command.EXPLAIN, a);
          break;
        case "--from":
          l.from = value(args, ++i, a);
          break;
        case "--to":
          l.to = value(args, ++i, a);
          break;
        case "--payload":
          l.payloadHex = value(args, ++i, a);
          break;
        case "--sort":
        case "--nosort":
          break;
        default:
          if (a.matches("-[A-Za-z0-9]{2,}") && !a.startsWith("--")) {
            List<String> expanded = new ArrayList<>(args.subList(0, i));
            for (char ch : a.substring(1).toCharArray()) {
              expanded.add("-" + ch);
            }
            expanded.addAll(args.subList(i + 1, args.size()));
            return parse(expanded);
          }
          throw new IpvsadmException("invalid option: " + a);
      }
    }
    validate(l);
    return l;
  }

  private static void validate(Line l) {
    Command c = l.command;
    if (c == null) {
      if (l.timeout) { // bare --timeout lists
        l.command = Command.LIST;
        return;
      }
      throw new IpvsadmException("no command specified");
    }
    boolean serviceOptions =
        l.scheduler != null
            || l.persistent >= 0
            || l.netmaskText != null
            || l.onePacket
            || l.engine != null;
    if (serviceOptions && c != Command.ADD_SERVICE && c != Command.EDIT_SERVICE) {
      throw new IpvsadmException(
          "Illegal service options with " + c.name().toLowerCase(Locale.ROOT).replace('_', '-'));
    }
    if (l.onePacket && l.protocol != Protocol.UDP && l.fwmark == 0) {
      throw new IpvsadmException("One-Packet Scheduling is only for UDP virtual services");
    }
    boolean needsService =
        c != Command.CLEAR
            && c != Command.RESTORE
            && c != Command.SAVE
            && c != Command.LIST
            && c != Command.ZERO
            && c != Command.SET
            && c != Command.EXPLAIN;
    if (needsService && l.serviceText == null && l.fwmark == 0) {
      throw new IpvsadmException("service address or fwmark required");
    }
    if ((c == Command.ADD_SERVER || c == Command.EDIT_SERVER || c == Command.DELETE_SERVER)
        && l.serverText == null) {
      throw new IpvsadmException("real server address required");
    }
    if (l.schedulerFlags.stream().anyMatch(f -> f.startsWith("sh-")) && !"sh".equals(l.scheduler)) {
      throw new IpvsadmException("incompatible scheduler flag");
    }
    if (l.schedulerFlags.stream().anyMatch(f -> f.startsWith("mh-")) && !"mh".equals(l.scheduler)) {
      throw new IpvsadmException("incompatible scheduler flag");
    }
  }

  private static void command(Line l, Command c, String option) {
    if (l.command != null) {
      throw new IpvsadmException("multiple commands specified (" + option + ")");
    }
    l.command = c;
  }

  private static void service(Line l, Protocol p, String text) {
    if (l.protocol != null) {
      throw new IpvsadmException("multiple service options specified");
    }
    l.protocol = p;
    l.serviceText = text;
  }

  private static String value(List<String> args, int i, String option) {
    if (i >= args.size()) {
      throw new IpvsadmException("option " + option + " requires an argument");
    }
    return args.get(i);
  }

  private static int number(String text, String message, int min, int max) {
    try {
      long v = Long.parseLong(text);
      if (v < min || v > max) {
        throw new IpvsadmException(message + ": " + text);
      }
      return (int) v;
    } catch (NumberFormatException e) {
      throw new IpvsadmException(message + ": " + text, e);
    }
  }

  private static Set<String> schedulerFlags(String text) {
    Set<String> flags = new LinkedHashSet<>();
    for (String f : text.split(",")) {
      switch (f) {
        case "flag-1":
        case "sh-fallback":
        case "mh-fallback":
        case "flag-2":
        case "sh-port":
        case "mh-port":
        case "flag-3":
        case "mh-pe": // pe4j: Maglev over the engine's key
          flags.add(f);
          break;
        default:
          throw new IpvsadmException("invalid scheduler flag: " + f);
      }
    }
    return flags;
  }
}
