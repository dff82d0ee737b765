package io.pe4j.cli;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Locale;

/**
 * {@code pe4j replay --events FILE}: what happens during the capture, one line each, seconds from
 * its first datagram:
 *
 * <pre>
 * at 60 ipvsadm -e -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m -w 0
 * at 90 down 192.168.10.3:5060          # as a failing health check: quiesced (weight 0)
 * at 95 down 192.168.10.4:5060 remove   # as on-failure=remove
 * at 120 up 192.168.10.3:5060           # back with the weight it had
 * at 150 node 2 down                    # with --nodes N: node 2 of 1..N stops
 * at 180 node 2 up
 * </pre>
 *
 * Blank lines and {@code #} comments are skipped; anything else is refused with file:line.
 */
final class ReplayEvents {
  private ReplayEvents() {}

  /** What an event does. */
  enum Kind {
    IPVSADM,
    DOWN,
    UP,
    NODE_DOWN,
    NODE_UP
  }

  /**
   * One event.
   *
   * @param line its line in the file
   * @param atNanos when, from the capture's first datagram
   * @param kind what it does
   * @param argument the ipvsadm line, the server ({@code ADDRESS:PORT}) or the node (1..N)
   * @param remove for {@code down}: delete the server instead of quiescing it
   * @param text the line as written, for the report
   */
  record Event(int line, long atNanos, Kind kind, String argument, boolean remove, String text) {}

  static List<Event> read(Path file, int nodes) throws IOException {
    List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
    List<Event> out = new ArrayList<>();
    for (int i = 0; i < lines.size(); i++) {
      String raw = lines.get(i);
      int hash = raw.indexOf('#');
      String line = (hash >= 0 ? raw.substring(0, hash) : raw).strip();
      if (line.isEmpty()) {
        continue;
      }
      try {
        out.add(parse(i + 1, line, nodes));
      } catch (IllegalArgumentException e) {
        throw new IllegalArgumentException(file + ":" + (i + 1) + ": " + e.getMessage(), e);
      }
    }
    out.sort(Comparator.comparingLong(Event::atNanos).thenComparingInt(Event::line));
    return out;
  }

  static Event parse(int number, String line, int nodes) {
    String[] w = line.split("\\s+");
    if (w.length < 3 || !w[0].equals("at")) {
      throw new IllegalArgumentException(
          "expected 'at SECONDS ipvsadm ...|down RS [remove]|up RS|node K down|node K up', not '"
              + line
              + "'");
    }
    double seconds;
    try {
      seconds = Double.parseDouble(w[1]);
    } catch (NumberFormatException e) {
      throw new IllegalArgumentException("'" + w[1] + "' is not a number of seconds", e);
    }
    if (!(seconds >= 0) || seconds > 1e9) {
      throw new IllegalArgumentException("seconds must be 0 or more: " + w[1]);
    }
    long at = Math.round(seconds * 1e9);
    String rest = line.substring(line.indexOf(w[2], line.indexOf(w[1]) + w[1].length()));
    switch (w[2].toLowerCase(Locale.ROOT)) {
      case "ipvsadm" -> {
        String command = rest.substring("ipvsadm".length()).strip();
        if (command.isEmpty()) {
          throw new IllegalArgumentException("ipvsadm needs a command line");
        }
        return new Event(number, at, Kind.IPVSADM, command, false, line);
      }
      case "down", "up" -> {
        boolean down = w[2].equals("down");
        if (w.length < 4 || !w[3].contains(":")) {
          throw new IllegalArgumentException(w[2] + " needs a real server, ADDRESS:PORT");
        }
        boolean remove = down && w.length == 5 && w[4].equals("remove");
        if (w.length > (remove ? 5 : 4)) {
          throw new IllegalArgumentException("unexpected '" + w[w.length - 1] + "'");
        }
        return new Event(number, at, down ? Kind.DOWN : Kind.UP, w[3], remove, line);
      }
      case "node" -> {
        if (w.length != 5 || !(w[4].equals("down") || w[4].equals("up"))) {
          throw new IllegalArgumentException("expected 'node K down' or 'node K up'");
        }
        int k;
        try {
          k = Integer.parseInt(w[3]);
        } catch (NumberFormatException e) {
          throw new IllegalArgumentException("node '" + w[3] + "' is not a number", e);
        }
        if (k < 1 || k > nodes) {
          throw new IllegalArgumentException(
              "node " + k + " does not exist: --nodes " + nodes + " makes nodes 1.." + nodes);
        }
        return new Event(
            number,
            at,
            w[4].equals("down") ? Kind.NODE_DOWN : Kind.NODE_UP,
            Integer.toString(k),
            false,
            line);
      }
      default ->
          throw new IllegalArgumentException(
              "unknown event '" + w[2] + "': ipvsadm, down, up or node");
    }
  }
}
