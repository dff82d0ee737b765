package io.pe4j.cli;

import com.google.common.net.HostAndPort;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import io.pe4j.core.Destination;
import io.pe4j.core.Ipvs;
import io.pe4j.core.IpvsadmException;
import io.pe4j.core.Verdict;
import io.pe4j.core.VirtualService;
import java.io.IOException;
import java.io.PrintWriter;
import java.math.BigDecimal;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Arrays;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * Replays a simulation script against a core in virtual time (see {@code pe4j simulate --help}). A
 * bad line stops the run with exit code 2 and a message naming the file and line.
 */
final class Simulation {

  /** A script line that cannot run; its message names the file and line. */
  static final class ScriptException extends Exception {
    private static final long serialVersionUID = 1L;

    ScriptException(String message) {
      super(message);
    }
  }

  private final Path script;
  private final PrintWriter out;
  private final PrintWriter err;
  private final boolean expect;
  private final AtomicLong nanos = new AtomicLong();
  private final Ipvs ipvs = Ipvs.builder().ticker(nanos::get).seed(0x5eed).build();
  private @Nullable String lastVerdict;
  private @Nullable String lastListing;

  /** The longest script line: a hex payload of a 64 KB datagram fits. */
  static final int MAX_LINE = 1 << 18;

  Simulation(Path script, PrintWriter out, PrintWriter err, boolean expect) {
    this.script = script;
    this.out = out;
    this.err = err;
    this.expect = expect;
  }

  /** Runs the script; returns 0, 1 (an expectation failed) or 2 (a bad line or file). */
  int run() {
    // Streamed line by line with a bounded line: an endless input (/dev/zero) is an error, not
    // an OutOfMemoryError.
    try (java.io.Reader in =
        new java.io.InputStreamReader(Files.newInputStream(script), StandardCharsets.UTF_8)) {
      StringBuilder sb = new StringBuilder();
      int number = 1;
      for (int c = in.read(); ; c = in.read()) {
        if (c == -1 || c == '\n') {
          if (c == -1 && sb.length() == 0) {
            return 0;
          }
          String where = script + ":" + number;
          try {
            if (!line(stripComment(sb.toString()).strip(), where)) {
              return Pe4j.FAILED;
            }
          } catch (ScriptException e) {
            err.println(where + ": " + e.getMessage());
            return Pe4j.USAGE;
          }
          if (c == -1) {
            return 0;
          }
          sb.setLength(0);
          number++;
        } else if (sb.length() >= MAX_LINE) {
          err.println(
              script
                  + ":"
                  + number
                  + ": a line longer than "
                  + MAX_LINE
                  + " characters: not a script");
          return Pe4j.USAGE;
        } else {
          sb.append((char) c);
        }
      }
    } catch (IOException e) {
      err.println(
          script + ": cannot read: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return Pe4j.USAGE;
    }
  }

  /** Removes a {@code #} comment that is not inside double quotes. */
  static String stripComment(String line) {
    boolean quoted = false;
    for (int i = 0; i < line.length(); i++) {
      char c = line.charAt(i);
      if (c == '\\' && quoted) {
        i++;
      } else if (c == '"') {
        quoted = !quoted;
      } else if (c == '#' && !quoted) {
        return line.substring(0, i);
      }
    }
    return line;
  }

  private boolean line(String line, String where) throws ScriptException {
    if (line.isEmpty()) {
      return true;
    }
    String[] parts = line.split("\\s+", 2);
    String rest = parts.length > 1 ? parts[1] : "";
    switch (parts[0]) {
      case "at":
        at(rest);
        return true;
      case "sysctl":
        sysctl(rest);
        return true;
      case "ipvsadm":
        try {
          String output = ipvs.ipvsadm(rest);
          out.print(output);
        } catch (IpvsadmException e) {
          throw new ScriptException("ipvsadm " + rest + ": " + e.getMessage());
        }
        return true;
      case "list":
        try {
          lastListing = ipvs.ipvsadm(rest.isEmpty() ? "-Ln" : rest);
        } catch (IpvsadmException e) {
          throw new ScriptException("list " + rest + ": " + e.getMessage());
        }
        lastVerdict = null;
        out.print(lastListing);
        return true;
      case "udp":
        udp(rest);
        return true;
      case "expect":
        return expect(rest, where);
      default:
        throw new ScriptException(
            "unknown directive '" + parts[0] + "' (at, sysctl, ipvsadm, udp, list, expect)");
    }
  }

  private void at(String seconds) throws ScriptException {
    long target;
    try {
      target = new BigDecimal(seconds.strip()).movePointRight(9).longValueExact();
    } catch (ArithmeticException | NumberFormatException e) {
      throw new ScriptException("at: not a number of seconds: '" + seconds + "'");
    }
    if (target < nanos.get()) {
      throw new ScriptException(
          "time must not go backwards: " + seconds.strip() + " < " + seconds(nanos.get()));
    }
    nanos.set(target);
  }

  private static String seconds(long nanos) {
    return BigDecimal.valueOf(nanos, 9).stripTrailingZeros().toPlainString();
  }

  private void sysctl(String setting) throws ScriptException {
    String[] kv = setting.split("=", 2);
    if (kv.length != 2 || !(kv[1].strip().equals("0") || kv[1].strip().equals("1"))) {
      throw new ScriptException("sysctl: expected NAME=0 or NAME=1, got '" + setting + "'");
    }
    boolean on = kv[1].strip().equals("1");
    switch (kv[0].strip()) {
      case "expire_quiescent_template":
        ipvs.control().setExpireQuiescentTemplate(on);
        break;
      case "expire_nodest_conn":
        ipvs.control().setExpireNodestConn(on);
        break;
      default:
        throw new ScriptException(
            "sysctl: unknown '"
                + kv[0].strip()
                + "' (expire_quiescent_template, expire_nodest_conn)");
    }
  }

  private void udp(String rest) throws ScriptException {
    String[] parts = rest.split("\\s+", 4);
    if (parts.length < 4 || !parts[1].equals("->")) {
      throw new ScriptException("udp: expected 'udp SRC_IP:PORT -> DST_IP:PORT PAYLOAD'");
    }
    IpAddress src = address(parts[0]);
    int sport = port(parts[0]);
    IpAddress dst = address(parts[2]);
    int dport = port(parts[2]);
    if (src.isIpv6() != dst.isIpv6()) {
      throw new ScriptException("udp: source and destination are of different address families");
    }
    byte[] payload = payload(parts[3]);
    Datagram d =
        new Datagram()
            .set(Protocol.UDP, src, sport, dst, dport)
            .payload(ByteBuffer.wrap(payload), 0, payload.length);
    Verdict v = fromServer(src, sport) ? ipvs.processFromServer(d) : ipvs.process(d);
    lastVerdict = v.toString();
    lastListing = null;
    out.println(
        "t="
            + seconds(nanos.get())
            + " udp "
            + src.withPort(sport)
            + " -> "
            + dst.withPort(dport)
            + " => "
            + lastVerdict);
  }

  private boolean fromServer(IpAddress src, int sport) {
    for (VirtualService svc : ipvs.services()) {
      for (Destination d : svc.destinations()) {
        if (d.address().equals(src) && d.port() == sport) {
          return true;
        }
      }
    }
    return false;
  }

  /** An endpoint of the script: {@code ADDRESS:PORT}, an IPv6 address in brackets. */
  private static HostAndPort endpoint(String endpoint) throws ScriptException {
    try {
      HostAndPort hp = HostAndPort.fromString(endpoint).requireBracketsForIPv6();
      if (hp.hasPort()) {
        return hp;
      }
    } catch (IllegalArgumentException e) {
      // said below
    }
    throw new ScriptException("not ADDRESS:PORT (IPv6 in brackets): '" + endpoint + "'");
  }

  private static IpAddress address(String endpoint) throws ScriptException {
    try {
      return IpAddress.parse(endpoint(endpoint).getHost());
    } catch (IllegalArgumentException e) {
      throw new ScriptException(e.getMessage() == null ? "bad address" : e.getMessage());
    }
  }

  private static int port(String endpoint) throws ScriptException {
    return endpoint(endpoint).getPort();
  }

  private byte[] payload(String spec) throws ScriptException {
    String[] parts = spec.split("\\s+", 2);
    String arg = parts.length > 1 ? parts[1].strip() : "";
    switch (parts[0]) {
      case "sip":
        if (arg.isEmpty()) {
          throw new ScriptException("sip: a Call-ID is required");
        }
        return Payloads.sipInvite(arg);
      case "file":
        Path dir = script.toAbsolutePath().getParent();
        Path p = dir == null ? Path.of(arg) : dir.resolve(arg);
        try {
          return Files.readAllBytes(p);
        } catch (IOException e) {
          throw new ScriptException("file: cannot read " + p + ": " + e.getClass().getSimpleName());
        }
      case "hex":
        return Payloads.hex(arg.replaceAll("\\s+", ""));
      case "text":
        return Payloads.text(arg);
      default:
        throw new ScriptException(
            "unknown payload '" + parts[0] + "' (sip CALLID, file PATH, hex BYTES, text \"...\")");
    }
  }

  private boolean expect(String expected, String where) throws ScriptException {
    if (!expect) {
      return true;
    }
    if (lastVerdict != null) {
      if (!lastVerdict.equals(expected)) {
        err.println(where + ": expected " + expected);
        err.println(where + ": but was  " + lastVerdict);
        return false;
      }
      return true;
    }
    if (lastListing != null) {
      boolean found =
          Arrays.stream(lastListing.split("\n"))
              // lines compare trimmed: ipvsadm pads its columns with blanks
              .anyMatch(l -> l.strip().equals(expected.strip()));
      if (!found) {
        err.println(where + ": expected the listing to hold the line: " + expected);
        err.print(lastListing);
        return false;
      }
      return true;
    }
    throw new ScriptException("expect: no datagram or listing before it");
  }
}
