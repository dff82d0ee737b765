package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.forwarder.sip.SipClient;
import io.pe4j.forwarder.sip.SipServer;
import java.io.IOException;
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
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * {@code pe4j forward --metrics}: a scrape taken during SIP traffic is valid Prometheus text
 * (checked by a strict parser, and by {@code promtool check metrics} where Debian's prometheus
 * package is installed, as CI does), its values agree with the admin endpoint's, and no label
 * carries a Call-ID.
 */
class MetricsEndToEndTest {

  /** One sample: name, labels, value. */
  record Sample(String name, Map<String, String> labels, double value) {}

  private static final Pattern NAME = Pattern.compile("[a-zA-Z_:][a-zA-Z0-9_:]*");
  private static final Pattern LABEL =
      Pattern.compile("([a-zA-Z_][a-zA-Z0-9_]*)=\"((?:[^\"\\\\\\n]|\\\\[\\\\\"n])*)\"");

  /** Parses the text exposition format (version 0.0.4) strictly; fails on any bad line. */
  static List<Sample> parse(String text) {
    List<Sample> out = new ArrayList<>();
    Map<String, String> types = new HashMap<>();
    int n = 0;
    for (String line : text.split("\n")) {
      n++;
      if (line.isEmpty()) {
        continue;
      }
      if (line.startsWith("#")) {
        String[] w = line.split(" ", 4);
        if (w.length >= 3 && (w[1].equals("HELP") || w[1].equals("TYPE"))) {
          assertTrue(NAME.matcher(w[2]).matches(), "line " + n + ": metric name " + w[2]);
          if (w[1].equals("TYPE")) {
            assertTrue(
                List.of("counter", "gauge", "histogram", "summary", "untyped").contains(w[3]),
                "line " + n + ": type " + w[3]);
            assertTrue(types.put(w[2], w[3]) == null, "line " + n + ": a second TYPE for " + w[2]);
          }
        }
        continue;
      }
      int brace = line.indexOf('{');
      int space = line.lastIndexOf(' ');
      String name = brace >= 0 ? line.substring(0, brace) : line.substring(0, line.indexOf(' '));
      assertTrue(NAME.matcher(name).matches(), "line " + n + ": " + line);
      Map<String, String> labels = new HashMap<>();
      if (brace >= 0) {
        int close = line.lastIndexOf('}');
        String inner = line.substring(brace + 1, close);
        Matcher m = LABEL.matcher(inner);
        int at = 0;
        while (at < inner.length()) {
          assertTrue(m.find(at) && m.start() == at, "line " + n + ": labels " + inner);
          labels.put(m.group(1), m.group(2));
          at = m.end();
          if (at < inner.length()) {
            assertEquals(',', inner.charAt(at), "line " + n);
            at++;
          }
        }
      }
      String value = line.substring(space + 1);
      double v =
          value.equals("+Inf")
              ? Double.POSITIVE_INFINITY
              : value.equals("-Inf") ? Double.NEGATIVE_INFINITY : Double.parseDouble(value);
      out.add(new Sample(name, labels, v));
    }
    assertTrue(!out.isEmpty(), "no samples");
    return out;
  }

  private static double value(List<Sample> samples, String name, Map<String, String> labels) {
    double sum = 0;
    int found = 0;
    for (Sample s : samples) {
      if (s.name().equals(name) && s.labels().entrySet().containsAll(labels.entrySet())) {
        sum += s.value();
        found++;
      }
    }
    assertTrue(found > 0, "no sample " + name + labels);
    return sum;
  }

  private static long line(String text, String prefix) {
    for (String l : text.split("\n")) {
      if (l.startsWith(prefix)) {
        return Long.parseLong(l.substring(prefix.length()).trim());
      }
    }
    throw new AssertionError("no '" + prefix + "' in " + text);
  }

  @Test
  void aScrapeDuringTrafficIsValidAndAgreesWithTheAdminEndpoint() throws Exception {
    try (Processes ps = new Processes(Path.of("target", "metrics-e2e"));
        SipServer a = SipServer.start(new InetSocketAddress("127.0.0.1", 0), "a");
        SipServer b = SipServer.start(new InetSocketAddress("127.0.0.1", 0), "b")) {
      int vport = Loopback.freeUdpPort();
      int mport = Loopback.freeTcpPort();
      String vip = "127.0.0.1:" + vport;
      String ra = "127.0.0.1:" + a.address().getPort();
      Path rules = ps.logs().resolve("rules");
      Files.writeString(
          rules,
          "-A -u "
              + vip
              + " -s rr -p 60 -M 0.0.0.0 -o --pe sip\n"
              + "-a -u "
              + vip
              + " -r "
              + ra
              + " -m -w 1\n"
              + "-a -u "
              + vip
              + " -r 127.0.0.1:"
              + b.address().getPort()
              + " -m -w 1\n"
              + "check -u "
              + vip
              + " -r "
              + ra
              + " sip-options interval=0.5 timeout=0.2\n");
      String admin = ps.logs().resolve("admin.sock").toString();
      Files.deleteIfExists(Path.of(admin));
      ps.pe4j(
          "forward",
          "forward",
          "--rules",
          rules.toString(),
          "--admin",
          admin,
          "--metrics",
          "127.0.0.1:" + mport,
          "--threads",
          "1");
      ps.awaitLog("forward", "ready", 60);
      assertTrue(
          ps.log("forward").contains("metrics http://127.0.0.1:" + mport + "/metrics"),
          mport + " " + ps.log("forward"));
      HttpClient http = HttpClient.newHttpClient();
      HttpRequest get =
          HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + mport + "/metrics")).build();
      try (SipClient client = new SipClient(new InetSocketAddress("127.0.0.1", vport), 4, "m")) {
        Thread traffic =
            new Thread(
                () -> {
                  try {
                    client.run(200, 4, "metrics-call-", x -> {});
                  } catch (InterruptedException e) {
                    Thread.currentThread().interrupt();
                  }
                });
        traffic.start();
        String during = http.send(get, HttpResponse.BodyHandlers.ofString()).body();
        parse(during); // valid while the counters move
        traffic.join();
      }
      HttpResponse<String> r = http.send(get, HttpResponse.BodyHandlers.ofString());
      assertEquals(200, r.statusCode());
      String scrape = r.body();
      List<Sample> samples = parse(scrape);
      String fwd = CliTest.run("ipvsadm", "--admin", admin, "--forwarder").out();
      assertEquals(
          line(fwd, "forwarded to servers"),
          value(samples, "pe4j_forwarder_forwarded_total", Map.of()));
      assertEquals(
          line(fwd, "datagrams from clients"),
          value(samples, "pe4j_forwarder_datagrams_total", Map.of("from", "clients")));
      String stats = CliTest.run("ipvsadm", "--admin", admin, "-Ln", "--stats", "--exact").out();
      Matcher m =
          Pattern.compile("UDP  " + Pattern.quote(vip) + " +(\\d+) +(\\d+) +(\\d+)").matcher(stats);
      assertTrue(m.find(), stats);
      assertEquals(
          Long.parseLong(m.group(2)),
          value(
              samples,
              "pe4j_service_packets_total",
              Map.of("service", "UDP " + vip, "direction", "in")));
      assertEquals(
          Long.parseLong(m.group(3)),
          value(
              samples,
              "pe4j_service_packets_total",
              Map.of("service", "UDP " + vip, "direction", "out")));
      assertEquals(1.0, value(samples, "pe4j_server_up", Map.of("server", ra)));
      assertTrue(value(samples, "pe4j_templates_creations_total", Map.of()) >= 200);
      assertTrue(!scrape.contains("metrics-call-"), "a Call-ID in a label");
      refusesWhatIsNotAGet(http, mport);
      Path file = ps.logs().resolve("scrape.txt");
      Files.writeString(file, scrape);
      System.out.println(
          "metrics: "
              + samples.size()
              + " samples; sample: "
              + scrape
                  .lines()
                  .filter(l -> l.startsWith("pe4j_server_packets_total"))
                  .findFirst()
                  .orElse(""));
      if (isOnPath("promtool")) {
        Process p =
            new ProcessBuilder("promtool", "check", "metrics")
                .redirectInput(file.toFile())
                .redirectErrorStream(true)
                .start();
        String said = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertTrue(p.waitFor(30, TimeUnit.SECONDS));
        System.out.println(
            "promtool check metrics: exit " + p.exitValue() + (said.isBlank() ? "" : ": " + said));
        // exit 1: the text does not parse; 3: lint problems. pe4j's own meters must have none;
        // the Netty and JVM binders' are Micrometer's (netty_allocator_memory_pinned has no help)
        assertTrue(p.exitValue() == 0 || p.exitValue() == 3, said);
        assertTrue(said.lines().noneMatch(l -> l.startsWith("pe4j_")), said);
      } else {
        System.out.println(
            "promtool is not installed here: the scrape was checked by the parser only");
      }
    }
  }

  /**
   * The endpoint as a hostile client meets it: other methods refused (405), other paths not found
   * (404, a traversal and an 8 KiB path among them), the status page's JSON with its type and no
   * sniffing, and a client that sends half a request and waits does not stop a scrape.
   */
  private static void refusesWhatIsNotAGet(HttpClient http, int mport) throws Exception {
    String base = "http://127.0.0.1:" + mport;
    for (String path : List.of("/metrics", "/", "/status.json")) {
      for (String method : List.of("POST", "PUT", "DELETE")) {
        HttpRequest r =
            HttpRequest.newBuilder(URI.create(base + path))
                .method(method, HttpRequest.BodyPublishers.ofString("x"))
                .build();
        assertEquals(
            405, http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode(), method + path);
      }
    }
    for (String path :
        List.of("/nope", "/status.json/x", "/..%2f..%2fetc/passwd", "/" + "a".repeat(8192))) {
      HttpRequest r = HttpRequest.newBuilder(URI.create(base + path)).build();
      int status = http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
      assertTrue(status == 404 || status == 414, path.length() + " chars: " + status);
    }
    HttpResponse<String> json =
        http.send(
            HttpRequest.newBuilder(URI.create(base + "/status.json")).build(),
            HttpResponse.BodyHandlers.ofString());
    assertEquals(200, json.statusCode());
    assertEquals("application/json", json.headers().firstValue("Content-Type").orElse(""));
    assertEquals("nosniff", json.headers().firstValue("X-Content-Type-Options").orElse(""));
    assertTrue(json.body().startsWith("{"), json.body());
    try (java.net.Socket slow = new java.net.Socket("127.0.0.1", mport)) {
      slow.getOutputStream()
          .write("GET /metrics HTTP/1.1\r\nHost: x\r\n".getBytes(StandardCharsets.US_ASCII));
      slow.getOutputStream().flush(); // and never the blank line
      assertEquals(200, scrape(http, base, 3), "a scrape beside a half-sent request");
    }
    // as many half-sent requests as the endpoint serves at once: the server drops them after 10 s
    List<java.net.Socket> slow = new ArrayList<>();
    try {
      for (int i = 0; i < 4; i++) {
        java.net.Socket s = new java.net.Socket("127.0.0.1", mport);
        s.getOutputStream().write("GET /metrics HTTP/1.1\r\n".getBytes(StandardCharsets.US_ASCII));
        slow.add(s);
      }
      long start = System.nanoTime();
      assertEquals(200, scrape(http, base, 20));
      long seconds = (System.nanoTime() - start) / 1_000_000_000L;
      assertTrue(seconds <= 14, "the scrape waited " + seconds + " s for slow clients");
      slow.get(0).setSoTimeout(20_000);
      assertEquals(-1, slow.get(0).getInputStream().read(), "a half-sent request is dropped");
      long dropped = (System.nanoTime() - start) / 1_000_000_000L;
      assertTrue(dropped <= 14, "a half-sent request was kept " + dropped + " s");
      System.out.println(
          "metrics endpoint: a scrape beside 4 half-sent requests took "
              + seconds
              + " s; they were dropped after "
              + dropped
              + " s");
    } finally {
      for (java.net.Socket s : slow) {
        s.close();
      }
    }
  }

  /** Scrapes {@code /metrics} within {@code seconds}; returns the status. */
  private static int scrape(HttpClient http, String base, int seconds) throws Exception {
    HttpRequest r =
        HttpRequest.newBuilder(URI.create(base + "/metrics"))
            .timeout(java.time.Duration.ofSeconds(seconds))
            .build();
    return http.send(r, HttpResponse.BodyHandlers.discarding()).statusCode();
  }

  static boolean isOnPath(String command) throws IOException {
    for (String dir : System.getenv().getOrDefault("PATH", "").split(":")) {
      if (Files.isExecutable(Path.of(dir, command))) {
        return true;
      }
    }
    return false;
  }
}
