package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The Grafana dashboard ({@code packaging/grafana/pe4j.json}) asks only for what pe4j exposes:
 * every metric a query names is in a live scrape of {@code pe4j forward --metrics} (with traffic, a
 * health check, an engine that finds no key and a collection, so that every meter exists), and
 * every label a query matches has that value there. The control: one misspelt metric and one wrong
 * label value are both found by the same check.
 */
class GrafanaDashboardTest {

  private static final Path DASHBOARD = Path.of("..", "packaging", "grafana", "pe4j.json");

  private static final Pattern QUERY =
      Pattern.compile("\"(?:expr|query)\"\\s*:\\s*\"((?:[^\"\\\\]|\\\\.)*)\"");
  private static final Pattern SELECTOR =
      Pattern.compile("\\b((?:pe4j|jvm|process|system)_[a-zA-Z0-9_]+)\\s*(\\{[^}]*\\})?");
  private static final Pattern MATCHER = Pattern.compile("(\\w+)\\s*=\\s*\"([^\"]*)\"");
  private static final Pattern SAMPLE =
      Pattern.compile("^([a-zA-Z_:][a-zA-Z0-9_:]*)(\\{(.*)\\})?\\s+\\S+$");

  /** Labels Prometheus adds when it scrapes, and regex matchers ({@code =~}) of the variables. */
  private static final Set<String> SCRAPE_LABELS = Set.of("job", "instance");

  /** The queries of the dashboard: panels' {@code expr} and the variables' {@code query}. */
  static List<String> queries(String dashboard) {
    List<String> out = new ArrayList<>();
    Matcher m = QUERY.matcher(dashboard);
    while (m.find()) {
      out.add(m.group(1).replace("\\\"", "\"").replace("\\\\", "\\"));
    }
    return out;
  }

  /** Metric name to the label sets of its samples, from the Prometheus text format. */
  static Map<String, List<Map<String, String>>> samples(String scrape) {
    Map<String, List<Map<String, String>>> out = new HashMap<>();
    for (String line : scrape.split("\n")) {
      Matcher m = SAMPLE.matcher(line);
      if (line.startsWith("#") || !m.matches()) {
        continue;
      }
      Map<String, String> labels = new HashMap<>();
      if (m.group(3) != null) {
        Matcher l = MATCHER.matcher(m.group(3));
        while (l.find()) {
          labels.put(l.group(1), l.group(2));
        }
      }
      out.computeIfAbsent(m.group(1), k -> new ArrayList<>()).add(labels);
    }
    return out;
  }

  /** What the queries ask for that the scrape does not have. */
  static List<String> problems(
      List<String> queries, Map<String, List<Map<String, String>>> samples) {
    List<String> out = new ArrayList<>();
    for (String q : queries) {
      Matcher s = SELECTOR.matcher(q);
      boolean any = false;
      while (s.find()) {
        any = true;
        String name = s.group(1);
        List<Map<String, String>> found = samples.get(name);
        if (found == null) {
          out.add(name + ": no such metric in the scrape (" + q + ")");
          continue;
        }
        if (s.group(2) == null) {
          continue;
        }
        Matcher l = MATCHER.matcher(s.group(2).replace("=~", "~~"));
        while (l.find()) {
          String label = l.group(1);
          String value = l.group(2);
          if (SCRAPE_LABELS.contains(label)) {
            continue;
          }
          if (found.stream().noneMatch(x -> value.equals(x.get(label)))) {
            out.add(name + "{" + label + "=\"" + value + "\"}: no such sample (" + q + ")");
          }
        }
      }
      if (!any && !q.equals("prometheus")) {
        out.add("a query that names no pe4j, JVM or process metric: " + q);
      }
    }
    return out;
  }

  @Test
  void everyQueryNamesWhatALiveScrapeExposes() throws Exception {
    List<String> queries = queries(Files.readString(DASHBOARD, StandardCharsets.UTF_8));
    assertTrue(queries.size() > 25, "queries read: " + queries);
    Map<String, List<Map<String, String>>> samples = liveScrape();
    assertEquals(List.of(), problems(queries, samples));

    // control: the same check finds a misspelt metric and a label value that is not there
    List<String> broken = new ArrayList<>(queries);
    broken.add("sum(rate(pe4j_forwarder_datagram_total[1m]))");
    broken.add("rate(pe4j_server_packets_total{direction=\"inbound\"}[1m])");
    List<String> found = problems(broken, samples);
    assertEquals(2, found.size(), found.toString());
    assertTrue(
        found.get(0).startsWith("pe4j_forwarder_datagram_total: no such metric"), found.get(0));
    assertTrue(found.get(1).contains("direction=\"inbound\""), found.get(1));
  }

  /**
   * A scrape of a forwarder that has seen a call, a datagram its engine could not key (dropped: its
   * service says {@code --pe-failure drop}), a health check's probes, and a garbage collection.
   */
  private static Map<String, List<Map<String, String>>> liveScrape() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "e2e-logs", "grafana").toAbsolutePath());
    try (Processes ps = Processes.fresh(dir.resolve("logs"));
        DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      server.setSoTimeout(5_000);
      client.setSoTimeout(5_000);
      int vport = Loopback.freeUdpPort();
      int http = Loopback.freeTcpPort();
      String vip = "-u 127.0.0.1:" + vport;
      String rs = "127.0.0.1:" + server.getLocalPort();
      Path rules =
          Files.write(
              dir.resolve("rules"),
              List.of(
                  "-A " + vip + " -s rr -p 60 -M 0.0.0.0 -o --pe sip --pe-failure drop",
                  "-a " + vip + " -r " + rs + " -m -w 1",
                  "check "
                      + vip
                      + " -r "
                      + rs
                      + " udp send=ping expect=pong interval=0.2"
                      + " timeout=0.1 fall=1 rise=1"));
      Process fwd =
          ps.pe4j(
              "forward",
              "forward",
              "--rules",
              rules.toString(),
              "--threads",
              "1",
              "--metrics",
              "127.0.0.1:" + http);
      ps.awaitLog("forward", "ready", 60);
      InetSocketAddress service = new InetSocketAddress("127.0.0.1", vport);
      byte[] invite =
          "INVITE sip:a@b SIP/2.0\r\nCall-ID: grafana-1\r\n\r\n"
              .getBytes(StandardCharsets.US_ASCII);
      byte[] garbage = "no SIP here".getBytes(StandardCharsets.US_ASCII);
      // the server passes its checks and answers the call for a second, then fails its checks
      byte[] buf = new byte[2048];
      long start = System.nanoTime();
      boolean sent = false;
      while (System.nanoTime() - start < 2_000_000_000L) {
        if (!sent && System.nanoTime() - start > 500_000_000L) { // up by now
          client.send(new DatagramPacket(invite, invite.length, service));
          client.send(new DatagramPacket(garbage, garbage.length, service));
          sent = true;
        }
        DatagramPacket p = new DatagramPacket(buf, buf.length);
        server.receive(p);
        String text = new String(buf, 0, p.getLength(), StandardCharsets.US_ASCII);
        byte[] reply =
            text.startsWith("INVITE")
                ? "SIP/2.0 200 OK\r\nCall-ID: grafana-1\r\n\r\n".getBytes(StandardCharsets.US_ASCII)
                : System.nanoTime() - start < 1_000_000_000L
                    ? "pong".getBytes(StandardCharsets.US_ASCII)
                    : null;
        if (reply != null) {
          server.send(new DatagramPacket(reply, reply.length, p.getSocketAddress()));
        }
      }
      client.receive(new DatagramPacket(buf, buf.length)); // the 200 OK came back
      // a collection, so that the GC's meters exist
      new ProcessBuilder(
              Path.of(System.getProperty("java.home"), "bin", "jcmd").toString(),
              Long.toString(fwd.pid()),
              "GC.run")
          .redirectErrorStream(true)
          .start()
          .waitFor();
      HttpResponse<String> r =
          HttpClient.newHttpClient()
              .send(
                  HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + http + "/metrics"))
                      .build(),
                  HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      Files.writeString(dir.resolve("scrape.txt"), r.body());
      return samples(r.body());
    }
  }
}
