package io.pe4j.cli;

import io.pe4j.cli.KeepalivedSyntax.Statement;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HexFormat;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/**
 * Reads keepalived's {@code virtual_server} blocks (keepalived.conf(5)) into pe4j rules: ipvsadm
 * lines and {@code check} lines. What pe4j cannot honour is named with file:line: DR and TUN
 * services and {@code virtual_server_group} are refused; VRRP and system sections, checks pe4j
 * lacks (TCP_CHECK, HTTP_GET...) and settings without a pe4j meaning are skipped, each with a
 * warning. Nothing is guessed.
 */
final class Keepalived {

  /** The rules a file gives, and what was skipped. */
  record Translation(String rules, List<String> warnings) {}

  /** The schedulers an {@code lb_algo} may name: pe4j's built-in ones but {@code none}. */
  private static final Set<String> ALGOS =
      io.pe4j.core.Schedulers.BUILT_IN.stream()
          .filter(s -> !s.equals("none"))
          .collect(java.util.stream.Collectors.toUnmodifiableSet());

  private static final Set<String> SKIPPED_TOP =
      Set.of(
          "global_defs",
          "vrrp_instance",
          "vrrp_sync_group",
          "vrrp_script",
          "vrrp_track_process",
          "static_ipaddress",
          "static_routes",
          "static_rules",
          "linkbeat_interfaces",
          "bfd_instance",
          "garp_group");
  private static final Set<String> OTHER_CHECKS =
      Set.of(
          "TCP_CHECK",
          "HTTP_GET",
          "SSL_GET",
          "SMTP_CHECK",
          "DNS_CHECK",
          "BFD_CHECK",
          "FILE_CHECK",
          "PING_CHECK");

  private final Path file;
  private final List<String> warnings = new ArrayList<>();
  private final StringBuilder rules = new StringBuilder();

  private Keepalived(Path file) {
    this.file = file;
  }

  /**
   * Translates a keepalived configuration.
   *
   * @throws IllegalArgumentException naming file:line of what pe4j refuses
   * @throws IOException if the file cannot be read
   */
  static Translation translate(Path file) throws IOException {
    String text = Files.readString(file, StandardCharsets.UTF_8);
    Keepalived k = new Keepalived(file);
    for (Statement n : KeepalivedSyntax.parse(file, text)) {
      k.top(n);
    }
    return new Translation(k.rules.toString(), List.copyOf(k.warnings));
  }

  private String at(Statement n) {
    return file + ":" + n.line();
  }

  private void warn(Statement n, String what) {
    warnings.add(at(n) + ": " + what);
  }

  private IllegalArgumentException refuse(Statement n, String what) {
    return new IllegalArgumentException(at(n) + ": " + what);
  }

  private void top(Statement n) {
    if (n.name().equals("virtual_server")) {
      virtualServer(n);
    } else if (n.name().equals("virtual_server_group")) {
      throw refuse(n, "virtual_server_group is not supported: list the virtual servers one by one");
    } else if (n.name().equals("include")) {
      throw refuse(n, "include is not supported: give pe4j one file");
    } else if (SKIPPED_TOP.contains(n.name())) {
      warn(n, n.name() + " skipped: VRRP and system settings stay with keepalived");
    } else {
      warn(n, n.name() + " skipped: not a virtual_server");
    }
  }

  private void virtualServer(Statement vs) {
    List<String> a = vs.args();
    String address;
    int fwmark = 0;
    if (a.size() == 2 && a.get(0).equals("fwmark")) {
      fwmark = integer(vs, a.get(1), "fwmark");
      address = null;
    } else if (a.size() == 2 && a.get(0).equals("group")) {
      throw refuse(vs, "virtual_server group is not supported");
    } else if (a.size() == 2) {
      address = hostPort(a.get(0), a.get(1));
    } else {
      throw refuse(vs, "virtual_server takes ADDRESS PORT or fwmark N");
    }
    String protocol = "TCP";
    String algo = "wlc";
    String kind = "NAT";
    int persistence = 0;
    String granularity = null;
    String engine = null;
    boolean ops = false;
    int delayLoop = 60;
    List<String> flags = new ArrayList<>();
    List<Statement> servers = new ArrayList<>();
    for (Statement c : vs.children()) {
      switch (c.name()) {
        case "protocol" -> protocol = one(c).toUpperCase(Locale.ROOT);
        case "lb_algo" -> {
          algo = one(c);
          if (!ALGOS.contains(algo)) {
            throw refuse(c, "lb_algo " + algo + " is not a scheduler pe4j knows");
          }
        }
        case "lb_kind" -> kind = one(c).toUpperCase(Locale.ROOT);
        case "persistence_timeout" -> persistence = integer(c, one(c), "persistence_timeout");
        case "persistence_granularity" -> granularity = one(c);
        case "persistence_engine" -> engine = one(c);
        case "ops" -> ops = true;
        case "delay_loop" -> delayLoop = integer(c, one(c), "delay_loop");
        case "sh-port", "sh-fallback", "mh-port", "mh-fallback" -> flags.add(c.name());
        case "real_server" -> servers.add(c);
        default -> warn(c, c.name() + " skipped: no pe4j meaning");
      }
    }
    if (kind.equals("DR") || kind.equals("TUN")) {
      throw refuse(vs, "lb_kind " + kind + " is not supported: pe4j forwards as NAT only");
    }
    if (!kind.equals("NAT")) {
      throw refuse(vs, "lb_kind " + kind + " is not one of NAT, DR, TUN");
    }
    String opt =
        switch (protocol) {
          case "UDP" -> "-u";
          case "TCP" -> "-t";
          case "SCTP" -> "--sctp-service";
          default -> throw refuse(vs, "protocol " + protocol + " is not UDP, TCP or SCTP");
        };
    if (!protocol.equals("UDP")) {
      warn(vs, "protocol " + protocol + ": listed, but pe4j forward serves UDP services only");
    }
    String service = fwmark != 0 ? "-f " + fwmark : opt + " " + address;
    StringBuilder line = new StringBuilder("-A ").append(service).append(" -s ").append(algo);
    if (!flags.isEmpty()) {
      line.append(" -b ").append(String.join(",", flags));
    }
    if (persistence > 0) {
      line.append(" -p ").append(persistence);
    }
    if (granularity != null) {
      line.append(" -M ").append(granularity);
    }
    if (ops) {
      line.append(" -o");
    }
    if (engine != null) {
      line.append(" --pe ").append(engine);
    }
    rules.append("# ").append(at(vs)).append('\n').append(line).append('\n');
    List<String> checks = new ArrayList<>();
    for (Statement rs : servers) {
      realServer(rs, service, opt, fwmark != 0 ? null : address, delayLoop, checks);
    }
    for (String c : checks) {
      rules.append(c).append('\n');
    }
  }

  private void realServer(
      Statement rs,
      String service,
      String opt,
      @org.jspecify.annotations.Nullable String vip,
      int delayLoop,
      List<String> checks) {
    if (rs.args().size() != 2) {
      throw refuse(rs, "real_server takes ADDRESS PORT");
    }
    String server = hostPort(rs.args().get(0), rs.args().get(1));
    int weight = 1;
    boolean inhibit = false;
    String upper = null;
    String lower = null;
    Statement check = null;
    for (Statement c : rs.children()) {
      switch (c.name()) {
        case "weight" -> weight = integer(c, one(c), "weight");
        case "inhibit_on_failure" -> inhibit = true;
        case "uthreshold" -> upper = one(c);
        case "lthreshold" -> lower = one(c);
        case "UDP_CHECK", "MISC_CHECK" -> {
          if (check != null) {
            warn(c, c.name() + " skipped: pe4j runs one check a server, the first");
          } else {
            check = c;
          }
        }
        default -> {
          if (OTHER_CHECKS.contains(c.name())) {
            warn(c, c.name() + " skipped: pe4j has no such check; the server has none");
          } else {
            warn(c, c.name() + " skipped: no pe4j meaning");
          }
        }
      }
    }
    StringBuilder line = new StringBuilder("-a ").append(service).append(" -r ").append(server);
    line.append(" -m -w ").append(weight);
    if (upper != null) {
      line.append(" -x ").append(upper);
    }
    if (lower != null) {
      line.append(" -y ").append(lower);
    }
    rules.append(line).append('\n');
    if (check == null) {
      return;
    }
    if (vip == null) {
      warn(check, check.name() + " skipped: checks of fwmark services are not supported");
      return;
    }
    String head = "check " + opt + " " + vip + " -r " + server;
    String failure = inhibit ? "" : " on-failure=remove"; // keepalived removes unless inhibited
    int fall = 1;
    double timeout = 5;
    StringBuilder extra = new StringBuilder();
    if (check.name().equals("UDP_CHECK")) {
      String payload = null;
      String reply = null;
      for (Statement c : check.children()) {
        switch (c.name()) {
          case "connect_timeout" -> timeout = integer(c, one(c), "connect_timeout");
          case "retry", "nb_get_retry" -> fall = integer(c, one(c), c.name()) + 1;
          case "payload" -> payload = hex(c);
          case "require_reply" -> reply = hex(c);
          default -> warn(c, c.name() + " skipped: no pe4j meaning in a UDP_CHECK");
        }
      }
      extra.append(" udp send=\"").append(payload == null ? "\\r\\n\\r\\n" : payload).append('"');
      if (reply != null) {
        extra.append(" expect=\"").append(reply).append('"');
      } else {
        extra.append(" reply=optional"); // keepalived: up unless an ICMP error comes back
      }
    } else {
      String path = null;
      boolean dynamic = false;
      for (Statement c : check.children()) {
        switch (c.name()) {
          case "misc_path" -> path = String.join(" ", c.args());
          case "misc_timeout" -> timeout = integer(c, one(c), "misc_timeout");
          case "misc_dynamic" -> dynamic = true;
          case "retry", "nb_get_retry" -> fall = integer(c, one(c), c.name()) + 1;
          default -> warn(c, c.name() + " skipped: no pe4j meaning in a MISC_CHECK");
        }
      }
      if (path == null) {
        throw refuse(check, "MISC_CHECK without misc_path");
      }
      extra.append(" misc command=\"").append(path.replace("\"", "")).append('"');
      if (dynamic) {
        extra.append(" dynamic");
      }
    }
    if (timeout > delayLoop) {
      warn(
          check,
          "timeout "
              + timeout
              + " s above delay_loop "
              + delayLoop
              + " s: pe4j waits at most the interval ("
              + delayLoop
              + " s)");
      timeout = delayLoop;
    }
    checks.add(
        head
            + extra
            + " interval="
            + delayLoop
            + " timeout="
            + (timeout == Math.rint(timeout) ? Integer.toString((int) timeout) : timeout)
            + " rise=1 fall="
            + fall
            + failure);
  }

  private String hex(Statement c) {
    String h = one(c);
    try {
      byte[] b = HexFormat.of().parseHex(h);
      StringBuilder sb = new StringBuilder();
      for (byte x : b) {
        sb.append(String.format(Locale.ROOT, "\\x%02x", x & 0xff));
      }
      return sb.toString();
    } catch (IllegalArgumentException e) {
      throw refuse(c, c.name() + " must be hexadecimal bytes: " + h);
    }
  }

  private String one(Statement n) {
    if (n.args().size() != 1) {
      throw refuse(n, n.name() + " takes one value");
    }
    return n.args().get(0);
  }

  private int integer(Statement n, String v, String what) {
    try {
      return Integer.parseInt(v);
    } catch (NumberFormatException e) {
      throw refuse(n, what + " must be a whole number: " + v);
    }
  }

  private static String hostPort(String host, String port) {
    return host.contains(":") ? "[" + host + "]:" + port : host + ":" + port;
  }
}
