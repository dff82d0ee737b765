package io.pe4j.forwarder;

import java.io.IOException;
import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Checks what transparent mode ({@link Forwarder.Builder#transparent}) needs from the host: the
 * privilege to set {@code IP_TRANSPARENT}, a policy rule that routes marked datagrams to the local
 * table, that table's {@code local} default route, and a TPROXY rule (nftables or iptables) that
 * hands servers' datagrams to the forwarder's port with that mark. Reads {@code ip rule}, {@code ip
 * route} and {@code nft list ruleset} (or {@code iptables-save}) of the current network namespace;
 * each finding says what is missing and the command that sets it up.
 */
public final class TransparentCheck {

  /** One finding: what was checked, whether it holds, and what it saw or the command to fix it. */
  public record Finding(boolean ok, String what, String detail) {
    @Override
    public String toString() {
      return String.format(Locale.ROOT, "%-8s %s: %s", ok ? "ok" : "MISSING", what, detail);
    }
  }

  private TransparentCheck() {}

  /**
   * Runs every check for a forwarder whose TPROXY port is {@code port}, with datagrams marked
   * {@code mark} and routed by table {@code table}.
   */
  public static List<Finding> run(int port, int mark, int table, String serverInterface) {
    List<Finding> out = new ArrayList<>();
    out.add(capability());
    String rules = command("ip", "-4", "rule", "show");
    String markHex = "0x" + Integer.toHexString(mark);
    boolean rule =
        rules
            .lines()
            .anyMatch(
                l ->
                    l.contains("fwmark " + markHex)
                        && (l.contains("lookup " + table + " ") || l.endsWith("lookup " + table)));
    out.add(
        new Finding(
            rule,
            "policy rule",
            rule
                ? "fwmark " + markHex + " lookup " + table
                : "none routes fwmark "
                    + markHex
                    + " to table "
                    + table
                    + ": ip rule add fwmark "
                    + markHex
                    + " lookup "
                    + table));
    String routes = command("ip", "-4", "route", "show", "table", String.valueOf(table));
    boolean local =
        routes.lines().anyMatch(l -> l.startsWith("local default") && l.contains("dev lo"));
    out.add(
        new Finding(
            local,
            "local route",
            local
                ? "table " + table + ": local default dev lo"
                : "table "
                    + table
                    + " has no local default route: ip route add local 0.0.0.0/0 dev lo table "
                    + table));
    out.add(tproxyRule(port, mark, serverInterface));
    return out;
  }

  /** Whether this process may set {@code IP_TRANSPARENT} (CAP_NET_ADMIN) on a UDP socket. */
  public static Finding capability() {
    if (!EpollTransport.isAvailable()) {
      return new Finding(false, "epoll", "Netty's epoll transport is unavailable here");
    }
    String problem = EpollTransport.transparentSocketProblem();
    if (problem == null) {
      return new Finding(
          true,
          "IP_TRANSPARENT",
          "this process may set it (CAP_NET_ADMIN), and IP_RECVORIGDSTADDR");
    }
    return new Finding(
        false,
        "IP_TRANSPARENT",
        problem
            + ": run as root or grant CAP_NET_ADMIN or CAP_NET_RAW (setcap cap_net_admin+ep, or"
            + " AmbientCapabilities=CAP_NET_ADMIN in the systemd unit)");
  }

  private static final Pattern NFT_TPROXY = Pattern.compile("tproxy (?:ip )?to (?:[0-9.]*):(\\d+)");
  private static final Pattern IPT_TPROXY = Pattern.compile("-j TPROXY .*--on-port (\\d+)");

  private static Finding tproxyRule(int port, int mark, String serverInterface) {
    String nft = command("nft", "list", "ruleset");
    String ipt = command("iptables-save", "-t", "mangle");
    List<String> lines = new ArrayList<>();
    nft.lines().forEach(lines::add);
    ipt.lines().forEach(lines::add);
    List<Integer> ports = new ArrayList<>();
    for (String l : lines) {
      Matcher m = NFT_TPROXY.matcher(l);
      Matcher i = IPT_TPROXY.matcher(l);
      Integer p =
          m.find() ? Integer.valueOf(m.group(1)) : i.find() ? Integer.valueOf(i.group(1)) : null;
      if (p == null) {
        continue;
      }
      ports.add(p);
      boolean marks =
          l.contains("mark set 0x" + String.format(Locale.ROOT, "%08x", mark))
              || l.contains("mark set 0x" + Integer.toHexString(mark))
              || l.contains("mark set " + mark)
              || l.contains("--tproxy-mark 0x" + Integer.toHexString(mark));
      if (p == port && marks) {
        return new Finding(true, "TPROXY rule", l.strip());
      }
    }
    String fix =
        "nft add table ip pe4j; nft add chain ip pe4j prerouting '{ type filter hook prerouting"
            + " priority mangle; }'; nft add rule ip pe4j prerouting iifname \""
            + serverInterface
            + "\" meta l4proto udp fib daddr type != local tproxy to :"
            + port
            + " meta mark set 0x"
            + Integer.toHexString(mark)
            + " accept";
    String seen =
        ports.isEmpty()
            ? "no TPROXY rule (nft list ruleset, iptables-save -t mangle)"
            : "TPROXY rules to port(s) "
                + ports
                + ", none to "
                + port
                + " with mark 0x"
                + Integer.toHexString(mark);
    if (nft.startsWith("!") && ipt.startsWith("!")) {
      seen = "cannot read the rules: " + nft.substring(1) + "; " + ipt.substring(1);
    }
    return new Finding(false, "TPROXY rule", seen + ": " + fix);
  }

  /** Runs a command and returns its output, or "!" and why it could not run. */
  private static String command(String... argv) {
    try {
      Process p = new ProcessBuilder(argv).redirectErrorStream(true).start();
      String text;
      try (InputStream in = p.getInputStream()) {
        text = new String(in.readAllBytes(), StandardCharsets.UTF_8);
      }
      if (!p.waitFor(10, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        return "!" + argv[0] + " did not answer in 10 s";
      }
      return p.exitValue() == 0 ? text : "!" + argv[0] + " failed: " + text.strip();
    } catch (IOException e) {
      return "!" + argv[0] + " not found";
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      return "!" + argv[0] + " interrupted";
    }
  }
}
