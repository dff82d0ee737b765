package io.pe4j.cli;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/** What {@code pe4j replay} prints: text for an operator, or {@code --json} for a script. */
final class ReplayReport {
  private ReplayReport() {}

  /** The run around the replay: files, frames, wall time. */
  record Run(
      List<String> files,
      long frames,
      Map<String, Long> notUdp,
      List<String> failures,
      long wallNanos) {}

  static String text(Replay r, Run run) {
    StringBuilder sb = new StringBuilder();
    double seconds = r.captureNanos() / 1e9;
    double wall = run.wallNanos() / 1e9;
    sb.append(
        f(
            "replay: %s: %,d frames, %,d UDP datagrams over %s of capture time, replayed in %.2f s"
                + " (%s datagrams/s)%n",
            String.join(", ", run.files()),
            run.frames(),
            r.datagrams,
            duration(seconds),
            wall,
            wall > 0 ? f("%,.0f", r.datagrams / wall) : "-"));
    if (!run.notUdp().isEmpty()) {
      sb.append("  not UDP datagrams: ").append(join(run.notUdp())).append('\n');
    }
    for (String failure : run.failures()) {
      sb.append("  ").append(failure).append('\n');
    }
    if (r.nodes() > 1) {
      sb.append(
          f(
              "nodes: %d, %s%n",
              r.nodes(),
              r.agreement() == Replay.Agreement.SHARED
                  ? "one shared template table (a cluster answering in time)"
                  : "each with its own core (no shared table; -s mh -b mh-pe agrees by itself)"));
    }
    for (ReplayService s : r.services.values()) {
      sb.append('\n')
          .append("service ")
          .append(s.name)
          .append(" (")
          .append(s.description)
          .append(")\n");
      long weights = 0;
      long datagrams = 0;
      long calls = 0;
      for (long[] row : s.servers.values()) {
        weights += Math.max(0, row[2]);
        datagrams += row[0];
        calls += row[1];
      }
      sb.append(
          f(
              "  %-28s %7s %8s %12s %8s %10s %8s%n",
              "real server", "weight", "share", "datagrams", "share", "calls", "share"));
      for (Map.Entry<String, long[]> e : s.servers.entrySet()) {
        long[] row = e.getValue();
        sb.append(
            f(
                "  %-28s %7s %7.1f%% %,12d %7.1f%% %,10d %7.1f%%%n",
                e.getKey(),
                row[2] < 0 ? "-" : Long.toString(row[2]),
                pct(Math.max(0, row[2]), weights),
                row[0],
                pct(row[0], datagrams),
                row[1],
                pct(row[1], calls)));
      }
      ReplayCalls c = s.calls;
      sb.append(
          f(
              "  calls: %,d; split (reached more than one server): %,d%s%n",
              c.calls, c.splitCalls, c.splitCalls == 0 ? "" : " — " + join(c.splitReasons)));
      if (s.unkeyed > 0) {
        sb.append(f("  datagrams without a key (not counted as calls): %,d%n", s.unkeyed));
      }
    }
    if (!r.events().isEmpty()) {
      sb.append("\nevents\n");
      for (int i = 0; i < r.events().size(); i++) {
        ReplayEvents.Event e = r.events().get(i);
        sb.append(f("  %-50s calls moved: %,d%n", e.text(), r.moved(i)));
      }
      for (String error : r.eventErrors()) {
        sb.append("  error: ").append(error).append('\n');
      }
    }
    sb.append('\n');
    sb.append(
        f(
            "templates: peak %,d at %s (%s at %d B each)%n",
            r.peakTemplates,
            duration(r.peakAtNanos / 1e9),
            bytes(r.peakTemplates * Replay.BYTES_PER_TEMPLATE),
            Replay.BYTES_PER_TEMPLATE));
    Map<String, Long> noMatch = r.noMatch();
    if (!noMatch.isEmpty()) {
      sb.append("engine found no key: ").append(join(noMatch)).append('\n');
    }
    if (!r.drops.isEmpty()) {
      sb.append("dropped: ").append(join(r.drops)).append('\n');
    }
    if (!r.notForAService.isEmpty()) {
      sb.append("not for a virtual service (passed), by destination: ")
          .append(join(top(r.notForAService, 5)))
          .append(r.notForAService.size() > 5 ? ", ..." : "")
          .append('\n');
    }
    if (r.fromServers > 0) {
      sb.append("from real servers (server path): ").append(join(r.serverVerdicts)).append('\n');
    }
    sb.append("verdict: ").append(verdict(r)).append('\n');
    return sb.toString();
  }

  /** One line: what an operator planning the change needs to know first. */
  static String verdict(Replay r) {
    List<String> parts = new ArrayList<>();
    long calls = 0;
    long split = 0;
    for (ReplayService s : r.services.values()) {
      calls += s.calls.calls;
      split += s.calls.splitCalls;
    }
    if (calls == 0) {
      parts.add("no call reached a virtual service");
    } else if (split == 0) {
      parts.add(f("%,d calls, none split", calls));
    } else {
      parts.add(f("%,d of %,d calls split (%.2f %%)", split, calls, pct(split, calls)));
    }
    parts.add(
        f(
            "peak %,d templates (%s)",
            r.peakTemplates, bytes(r.peakTemplates * Replay.BYTES_PER_TEMPLATE)));
    long unkeyed = 0;
    for (ReplayService s : r.services.values()) {
      unkeyed += s.unkeyed;
    }
    if (unkeyed > 0) {
      parts.add(f("%,d datagrams without a key", unkeyed));
    }
    if (!r.eventErrors().isEmpty()) {
      parts.add(r.eventErrors().size() + " events failed");
    }
    return String.join("; ", parts);
  }

  static String json(Replay r, Run run) {
    StringBuilder sb = new StringBuilder("{");
    sb.append("\"files\":").append(strings(run.files()));
    sb.append(",\"frames\":").append(run.frames());
    sb.append(",\"datagrams\":").append(r.datagrams);
    sb.append(",\"captureSeconds\":").append(f("%.6f", r.captureNanos() / 1e9));
    sb.append(",\"wallSeconds\":").append(f("%.3f", run.wallNanos() / 1e9));
    sb.append(",\"nodes\":").append(r.nodes());
    sb.append(",\"agreement\":").append(Json.quote(r.agreement().name().toLowerCase(Locale.ROOT)));
    sb.append(",\"services\":[");
    boolean first = true;
    for (ReplayService s : r.services.values()) {
      sb.append(first ? "" : ",").append("{\"service\":").append(Json.quote(s.name));
      first = false;
      sb.append(",\"description\":").append(Json.quote(s.description)).append(",\"servers\":[");
      boolean firstServer = true;
      for (Map.Entry<String, long[]> e : s.servers.entrySet()) {
        long[] row = e.getValue();
        sb.append(firstServer ? "" : ",")
            .append("{\"server\":")
            .append(Json.quote(e.getKey()))
            .append(",\"weight\":")
            .append(row[2])
            .append(",\"datagrams\":")
            .append(row[0])
            .append(",\"calls\":")
            .append(row[1])
            .append('}');
        firstServer = false;
      }
      sb.append("],\"calls\":").append(s.calls.calls);
      sb.append(",\"splitCalls\":").append(s.calls.splitCalls);
      sb.append(",\"splitReasons\":").append(map(s.calls.splitReasons));
      sb.append(",\"unkeyed\":").append(s.unkeyed).append('}');
    }
    sb.append("],\"events\":[");
    for (int i = 0; i < r.events().size(); i++) {
      sb.append(i == 0 ? "" : ",")
          .append("{\"event\":")
          .append(Json.quote(r.events().get(i).text()))
          .append(",\"moved\":")
          .append(r.moved(i))
          .append('}');
    }
    sb.append("],\"eventErrors\":").append(strings(r.eventErrors()));
    sb.append(",\"peakTemplates\":").append(r.peakTemplates);
    sb.append(",\"peakTemplatesAtSeconds\":").append(r.peakAtNanos / 1_000_000_000L);
    sb.append(",\"peakTemplateBytes\":").append(r.peakTemplates * Replay.BYTES_PER_TEMPLATE);
    sb.append(",\"templates\":[");
    for (int i = 0; i < r.templateSeries.size(); i++) {
      long[] p = r.templateSeries.get(i);
      sb.append(i == 0 ? "" : ",").append('[').append(p[0]).append(',').append(p[1]).append(']');
    }
    sb.append("],\"engineNoMatch\":").append(map(r.noMatch()));
    sb.append(",\"drops\":").append(map(r.drops));
    sb.append(",\"notForAService\":").append(map(r.notForAService));
    sb.append(",\"fromServers\":").append(map(r.serverVerdicts));
    sb.append(",\"notUdp\":").append(map(run.notUdp()));
    sb.append(",\"failures\":").append(strings(run.failures()));
    sb.append(",\"verdict\":").append(Json.quote(verdict(r)));
    return sb.append("}\n").toString();
  }

  private static Map<String, Long> top(Map<String, Long> m, int n) {
    Map<String, Long> out = new java.util.LinkedHashMap<>();
    m.entrySet().stream()
        .sorted(Map.Entry.<String, Long>comparingByValue().reversed())
        .limit(n)
        .forEach(e -> out.put(e.getKey(), e.getValue()));
    return out;
  }

  private static String join(Map<String, Long> m) {
    List<String> parts = new ArrayList<>();
    m.forEach((k, v) -> parts.add(f("%s %,d", k, v)));
    return String.join(", ", parts);
  }

  private static String map(Map<String, Long> m) {
    StringBuilder sb = new StringBuilder("{");
    m.forEach(
        (k, v) ->
            sb.append(sb.length() > 1 ? "," : "").append(Json.quote(k)).append(':').append(v));
    return sb.append('}').toString();
  }

  private static String strings(List<String> l) {
    StringBuilder sb = new StringBuilder("[");
    for (String s : l) {
      sb.append(sb.length() > 1 ? "," : "").append(Json.quote(s));
    }
    return sb.append(']').toString();
  }

  private static double pct(long part, long whole) {
    return whole == 0 ? 0 : 100.0 * part / whole;
  }

  private static String duration(double seconds) {
    long s = (long) seconds;
    return s >= 3600
        ? f("%dh%02dm%02ds", s / 3600, s % 3600 / 60, s % 60)
        : s >= 60 ? f("%dm%02ds", s / 60, s % 60) : f("%.1f s", seconds);
  }

  private static String bytes(long b) {
    return b >= 1 << 20 ? f("%.1f MiB", b / 1048576.0) : f("%.1f KiB", b / 1024.0);
  }

  private static String f(String format, Object... args) {
    return String.format(Locale.ROOT, format, args);
  }
}
