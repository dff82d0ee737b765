package io.pe4j.forwarder.health;

import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.TreeSet;

/**
 * One real server's health check, as a rules-file line (a pe4j extension, beside the ipvsadm
 * lines):
 *
 * <pre>
 * check -u 10.0.0.1:5060 -r 192.168.10.1:5060 sip-options interval=5 timeout=2 rise=2 fall=3 codes=2xx,404
 * check -u 10.0.0.1:5060 -r 192.168.10.2:5060 udp send="ping\r\n" expect="pong" on-failure=remove
 * check -u 10.0.0.1:5060 -r 192.168.10.3:5060 misc command="/usr/local/bin/check-sip 192.168.10.3" dynamic
 * </pre>
 *
 * <p>The knobs follow Kamailio's dispatcher and keepalived: {@code interval} (seconds between
 * checks, default 5), {@code timeout} (seconds to wait for a reply, default 2), {@code fall}
 * (consecutive failures that take the server out, default 3; the dispatcher's {@code
 * ds_probing_threshold}), {@code rise} (consecutive successes that bring it back, default 2; {@code
 * ds_inactive_threshold}), {@code codes} (accepted SIP reply codes, {@code 2xx} for a class;
 * default 200, as {@code ds_ping_reply_codes}). {@code on-failure=quiesce} (default) sets the
 * weight to 0 — calls in progress keep their templates and drain, as keepalived's {@code
 * inhibit_on_failure} — and {@code remove} deletes the server; either is undone on recovery.
 *
 * <p>{@code misc} runs a command with keepalived's {@code MISC_CHECK} meaning: exit 0 up, 1 down,
 * and with {@code dynamic} ({@code misc_dynamic}) 2–255 up with weight {@code code - 2}.
 *
 * @param protocol the virtual service's protocol
 * @param vip the virtual service's address
 * @param vport the virtual service's port
 * @param server the real server's address
 * @param port the real server's port
 * @param type the kind of check
 * @param intervalMillis time between checks
 * @param timeoutMillis time to wait for a reply or for the command
 * @param rise consecutive successes that bring a down server back
 * @param fall consecutive failures that take an up server out
 * @param codes accepted SIP codes (a class {@code n} as {@code n * 100 + 99} and {@code -n})
 * @param remove whether failure removes the server instead of quiescing it
 * @param send the UDP payload of a {@code udp} check, one char a byte (ISO-8859-1)
 * @param expect the prefix a {@code udp} check's reply must start with (empty: any reply)
 * @param command the command of a {@code misc} check, as words
 * @param dynamic whether a {@code misc} exit code 2..255 sets the weight
 * @param replyOptional whether a {@code udp} check passes without a reply unless an ICMP error
 *     comes back ({@code reply=optional}, keepalived's UDP_CHECK without {@code require_reply})
 */
public record HealthCheck(
    Protocol protocol,
    IpAddress vip,
    int vport,
    IpAddress server,
    int port,
    Type type,
    long intervalMillis,
    long timeoutMillis,
    int rise,
    int fall,
    Set<Integer> codes,
    boolean remove,
    String send,
    String expect,
    List<String> command,
    boolean dynamic,
    boolean replyOptional) {

  /** The kinds of check. */
  public enum Type {
    /** A SIP OPTIONS request; up when a final reply with an accepted code comes back. */
    SIP_OPTIONS,
    /** A UDP payload; up when a reply starting with the expected bytes comes back. */
    UDP,
    /** An external command, keepalived's MISC_CHECK. */
    MISC
  }

  /** Validates and copies. */
  public HealthCheck {
    Objects.requireNonNull(protocol);
    codes = Set.copyOf(codes);
    command = List.copyOf(command);
    if (intervalMillis < 10 || timeoutMillis < 1 || rise < 1 || fall < 1) {
      throw new IllegalArgumentException(
          "interval must be at least 0.01 s, timeout positive, rise and fall at least 1");
    }
    if (timeoutMillis > intervalMillis) {
      throw new IllegalArgumentException(
          "timeout="
              + seconds(timeoutMillis)
              + " is longer than interval="
              + seconds(intervalMillis)
              + ": a check would still be waiting when the next one is due");
    }
    if (type == Type.MISC && command.isEmpty()) {
      throw new IllegalArgumentException("a misc check needs command=\"...\"");
    }
    if (type == Type.UDP && send.isEmpty()) {
      throw new IllegalArgumentException("a udp check needs send=\"...\"");
    }
  }

  /** Returns whether a SIP reply code is accepted. */
  public boolean accepts(int code) {
    return codes.contains(code) || codes.contains(-code / 100);
  }

  /** Returns the server as {@code address:port}. */
  public String serverText() {
    return server.withPort(port);
  }

  /** Returns the virtual service as ipvsadm names it ({@code -u 10.0.0.1:5060}). */
  public String serviceText() {
    return (protocol == Protocol.UDP ? "-u " : "-t ") + vip.withPort(vport);
  }

  /** Returns the line that defines this check, as {@link #parse} reads it. */
  public String toLine() {
    StringBuilder sb = new StringBuilder("check ").append(serviceText());
    sb.append(" -r ").append(serverText()).append(' ').append(typeName(type));
    sb.append(" interval=").append(seconds(intervalMillis));
    sb.append(" timeout=").append(seconds(timeoutMillis));
    sb.append(" rise=").append(rise).append(" fall=").append(fall);
    if (type == Type.SIP_OPTIONS) {
      List<String> c = new ArrayList<>();
      for (int code : new TreeSet<>(codes)) {
        c.add(code < 0 ? (-code) + "xx" : Integer.toString(code));
      }
      sb.append(" codes=").append(String.join(",", c));
    }
    if (type == Type.UDP) {
      sb.append(" send=\"").append(CheckSyntax.escape(send)).append('"');
      if (!expect.isEmpty()) {
        sb.append(" expect=\"").append(CheckSyntax.escape(expect)).append('"');
      }
      if (replyOptional) {
        sb.append(" reply=optional");
      }
    }
    if (type == Type.MISC) {
      List<String> quoted = new ArrayList<>();
      for (String word : command) {
        quoted.add(word.contains(" ") || word.isEmpty() ? "'" + word + "'" : word);
      }
      sb.append(" command=\"").append(String.join(" ", quoted)).append('"');
      if (dynamic) {
        sb.append(" dynamic");
      }
    }
    if (remove) {
      sb.append(" on-failure=remove");
    }
    return sb.toString();
  }

  private static String typeName(Type t) {
    return t.name().toLowerCase(Locale.ROOT).replace('_', '-');
  }

  private static String seconds(long millis) {
    return millis % 1000 == 0
        ? Long.toString(millis / 1000)
        : String.format(Locale.ROOT, "%.3f", millis / 1000.0).replaceAll("0+$", "");
  }

  /** Returns whether a rules-file line is a check line. */
  public static boolean isCheckLine(String line) {
    String t = line.strip();
    return t.startsWith("check ") || t.startsWith("check\t");
  }

  /**
   * Parses a check line.
   *
   * @throws IllegalArgumentException saying what is wrong
   */
  public static HealthCheck parse(String line) {
    List<String> w = CheckSyntax.words(line.strip());
    if (w.isEmpty() || !w.get(0).equals("check")) {
      throw new IllegalArgumentException("a check line starts with 'check'");
    }
    Protocol protocol = null;
    String service = null;
    String server = null;
    Type type = null;
    long interval = 5000;
    long timeout = 2000;
    int rise = 2;
    int fall = 3;
    Set<Integer> codes = Set.of(200);
    boolean remove = false;
    String send = "";
    String expect = "";
    List<String> command = List.of();
    boolean dynamic = false;
    boolean replyOptional = false;
    for (int i = 1; i < w.size(); i++) {
      String a = w.get(i);
      switch (a) {
        case "-u", "-t" -> {
          protocol = a.equals("-u") ? Protocol.UDP : Protocol.TCP;
          service = CheckSyntax.value(w, ++i, a);
        }
        case "-r" -> server = CheckSyntax.value(w, ++i, a);
        case "sip-options" -> type = Type.SIP_OPTIONS;
        case "udp" -> type = Type.UDP;
        case "misc" -> type = Type.MISC;
        case "dynamic" -> dynamic = true;
        default -> {
          int eq = a.indexOf('=');
          if (eq < 0) {
            throw new IllegalArgumentException("unknown word '" + a + "'");
          }
          String k = a.substring(0, eq);
          String v = a.substring(eq + 1);
          switch (k) {
            case "interval" -> interval = CheckSyntax.millis(v, k);
            case "timeout" -> timeout = CheckSyntax.millis(v, k);
            case "rise" -> rise = CheckSyntax.count(v, k);
            case "fall" -> fall = CheckSyntax.count(v, k);
            case "codes" -> codes = CheckSyntax.codes(v);
            case "on-failure" -> {
              if (!v.equals("quiesce") && !v.equals("remove")) {
                throw new IllegalArgumentException("on-failure is quiesce or remove, not " + v);
              }
              remove = v.equals("remove");
            }
            case "send" -> send = CheckSyntax.unescape(v);
            case "expect" -> expect = CheckSyntax.unescape(v);
            case "command" -> command = CheckSyntax.words(v);
            case "reply" -> {
              if (!v.equals("required") && !v.equals("optional")) {
                throw new IllegalArgumentException("reply is required or optional, not " + v);
              }
              replyOptional = v.equals("optional");
            }
            default -> throw new IllegalArgumentException("unknown setting '" + k + "'");
          }
        }
      }
    }
    if (protocol == null || service == null) {
      throw new IllegalArgumentException("a check names its virtual service: -u VIP:PORT");
    }
    if (server == null) {
      throw new IllegalArgumentException("a check names its real server: -r ADDRESS:PORT");
    }
    if (type == null) {
      throw new IllegalArgumentException("a check has a type: sip-options, udp or misc");
    }
    int[] vp = new int[1];
    IpAddress vip = CheckSyntax.address(service, vp);
    int[] rp = new int[1];
    IpAddress rs = CheckSyntax.address(server, rp);
    return new HealthCheck(
        protocol,
        vip,
        vp[0],
        rs,
        rp[0],
        type,
        interval,
        timeout,
        rise,
        fall,
        codes,
        remove,
        send,
        expect,
        command,
        dynamic,
        replyOptional);
  }
}
