package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Tag;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;

/**
 * Transparent mode end to end, in network namespaces this test creates (bench/transparent/
 * topology.sh): a client namespace, a balancer namespace holding the virtual address 203.0.113.1, a
 * server namespace whose default route is the balancer, with two Kamailio servers that answer
 * statelessly by the Via header, and SIPp's uac, whose Via carries no rport. A counter in the
 * client's namespace tells where every datagram it received came from.
 *
 * <p>Transparent: every response comes from the virtual address, the servers log the client's own
 * address, every call stays on one server. Control, the same topology in full NAT: the servers see
 * the balancer, answer the Via's address with {@code received=} the balancer's, and no response
 * reaches the client from the virtual address: calls fail.
 */
@Tag("sipp")
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class TransparentEndToEndTest {

  private static final int CALLS = 200;
  private static final Path TOPOLOGY =
      Path.of("..", "bench", "transparent", "topology.sh").toAbsolutePath().normalize();
  private static final String CLIENT = "198.51.100.10";
  private static final String VIP = "203.0.113.1:5060";
  private static final List<String> SERVERS = List.of("192.0.2.10", "192.0.2.11");

  private static String id = "";
  private static String rulesBefore = "";
  private static Path logs = Path.of("target");

  @BeforeAll
  static void topology() throws Exception {
    for (String tool : List.of("ip", "nft", "kamailio", "sipp")) {
      assertEquals(
          0,
          run("sh", "-c", "command -v " + tool).exit(),
          tool + " is needed (CI installs it: .ci/run); this test runs as root in namespaces");
    }
    assertEquals("0", run("id", "-u").out().strip(), "this test creates network namespaces: root");
    id = "t" + Integer.toString(ThreadLocalRandom.current().nextInt(36 * 36 * 36 * 36), 36);
    rulesBefore = run("ip", "rule", "show").out();
    logs = Files.createDirectories(Path.of("target", "transparent-" + id).toAbsolutePath());
    Result up = run("bash", TOPOLOGY.toString(), "up", id, "transparent");
    assertEquals(0, up.exit(), "topology up: " + up.out());
  }

  @AfterAll
  static void tearDown() throws Exception {
    if (id.isEmpty()) {
      return;
    }
    Result down = run("bash", TOPOLOGY.toString(), "down", id);
    assertEquals(0, down.exit(), down.out());
    String left = run("ip", "netns", "list").out();
    assertFalse(left.contains("-" + id), "namespaces left behind: " + left);
    assertFalse(run("ip", "link", "show").out().contains(id), "links left behind");
    assertEquals(rulesBefore, run("ip", "rule", "show").out(), "host rules changed");
  }

  @Test
  @Order(1)
  void doctor_findsTheRoutingInTheBalancer_andNamesWhatIsMissingElsewhere() throws Exception {
    Result ready = netns("lb", pe4j("doctor", "--transparent", "--server-interface", "ls" + id));
    assertEquals(0, ready.exit(), ready.out());
    assertEquals(4, ready.out().lines().filter(l -> l.startsWith("ok ")).count(), ready.out());
    assertTrue(ready.out().contains("transparent mode: ready"), ready.out());

    Result client = netns("c", pe4j("doctor", "--transparent"));
    assertEquals(Pe4j.FAILED, client.exit(), client.out());
    assertTrue(client.out().contains("MISSING  policy rule"), client.out());
    assertTrue(
        client.out().contains("ip route add local 0.0.0.0/0 dev lo table 100"), client.out());
    assertTrue(client.out().contains("MISSING  TPROXY rule"), client.out());
  }

  @Test
  @Order(2)
  void forward_withoutThePrivilege_refusesToStart_sayingWhy() throws Exception {
    Files.write(logs.resolve("rules"), rules());
    List<String> cmd =
        new ArrayList<>(
            List.of(
                "setpriv",
                "--inh-caps=-net_admin,-net_raw",
                "--bounding-set=-net_admin,-net_raw",
                "ip",
                "netns",
                "exec",
                "pe4j-lb-" + id));
    cmd.addAll(pe4j("forward", "--rules", logs.resolve("rules").toString(), "--transparent"));
    Result r = run(cmd.toArray(new String[0]));
    assertEquals(Pe4j.USAGE, r.exit(), r.out());
    assertTrue(r.out().contains("transparent mode needs CAP_NET_ADMIN"), r.out());
  }

  @Test
  @Order(3)
  void transparent_everyResponseFromTheVirtualAddress_serversSeeTheClient_callsWhole()
      throws Exception {
    Outcome o = calls("transparent", true);
    assertEquals(0, o.sipp, o.toString());
    assertTrue(o.fromVip >= 2L * CALLS, o.toString()); // 200 OK to INVITE and to BYE, at least
    assertEquals(0, o.fromServers, o.toString());
    assertEquals(0, o.fromBalancer, o.toString());
    assertEquals(CALLS, o.callServer.size(), o.toString());
    assertEquals(Set.of(CLIENT + ":5060"), o.sources, "the servers saw the client: " + o);
    assertTrue(o.split.isEmpty(), "calls split between servers: " + o.split);
    assertTrue(o.perServer.values().stream().allMatch(n -> n > CALLS / 4), o.toString());
  }

  @Test
  @Order(4)
  void control_fullNat_noResponseComesBackFromTheVirtualAddress() throws Exception {
    Outcome o = calls("fullnat", false);
    assertNotEquals(0, o.sipp, "SIPp's calls must fail in full NAT: " + o);
    assertTrue(o.fromVip < CALLS, o.toString());
    assertFalse(o.sources.contains(CLIENT + ":5060"), "servers saw the balancer: " + o);
    assertEquals(CALLS, o.callServer.size(), o.toString());
  }

  /** What one run of calls did, seen from the client and from the servers. */
  private record Outcome(
      int sipp,
      long fromVip,
      long fromServers,
      long fromBalancer,
      Map<String, String> callServer,
      Set<String> split,
      Set<String> sources,
      Map<String, Integer> perServer) {}

  private Outcome calls(String name, boolean transparent) throws Exception {
    Map<String, Long> before = counters();
    Path cfg = Path.of("src", "test", "resources", "transparent", "kamailio.cfg").toAbsolutePath();
    try (Processes ps = new Processes(logs.resolve(name))) {
      Path run = ps.logs();
      for (String server : SERVERS) {
        ps.start(
            "kamailio-" + server,
            List.of(
                "ip",
                "netns",
                "exec",
                "pe4j-s-" + id,
                "kamailio",
                "-f",
                cfg.toString(),
                "-l",
                "udp:" + server + ":5060",
                "-DD",
                "-E",
                "-m",
                "32",
                "-M",
                "8"));
      }
      Files.write(run.resolve("rules"), rules());
      List<String> fwd = new ArrayList<>(List.of("ip", "netns", "exec", "pe4j-lb-" + id));
      fwd.addAll(pe4j("forward", "--rules", run.resolve("rules").toString(), "--threads", "1"));
      if (transparent) {
        fwd.add("--transparent");
      }
      ps.start("forward", fwd);
      ps.awaitLog("forward", "ready", 30);
      for (String server : SERVERS) {
        ps.awaitLog("kamailio-" + server, "only stateless mode", 30);
      }
      Process uac =
          ps.start(
              "uac",
              List.of(
                  "ip",
                  "netns",
                  "exec",
                  "pe4j-c-" + id,
                  "sipp",
                  "-sn",
                  "uac",
                  VIP,
                  "-i",
                  CLIENT,
                  "-p",
                  "5060",
                  "-m",
                  Integer.toString(CALLS),
                  "-r",
                  "100",
                  "-recv_timeout",
                  "3000",
                  "-timeout",
                  "60s",
                  "-nostdin",
                  "-trace_err",
                  "-error_file",
                  run.resolve("uac-errors.log").toString()));
      assertTrue(uac.waitFor(90, TimeUnit.SECONDS), "sipp did not end");
      Thread.sleep(500); // the last responses
      Map<String, Long> after = counters();
      Map<String, String> callServer = new HashMap<>();
      Set<String> split = new HashSet<>();
      Set<String> sources = new HashSet<>();
      Map<String, Integer> perServer = new HashMap<>();
      Pattern seen = Pattern.compile("pe4j-seen (\\S+) (\\S+) (\\S+)");
      for (String server : SERVERS) {
        String log = ps.log("kamailio-" + server);
        Matcher m = seen.matcher(log);
        while (m.find()) {
          sources.add(m.group(3));
          String previous = callServer.putIfAbsent(m.group(2), server);
          if (previous != null && !previous.equals(server)) {
            split.add(m.group(2));
          }
          if (m.group(1).equals("INVITE")) {
            perServer.merge(server, 1, Integer::sum);
          }
        }
      }
      Outcome o =
          new Outcome(
              uac.exitValue(),
              after.getOrDefault("from_vip", 0L) - before.getOrDefault("from_vip", 0L),
              after.getOrDefault("from_servers", 0L) - before.getOrDefault("from_servers", 0L),
              after.getOrDefault("from_balancer", 0L) - before.getOrDefault("from_balancer", 0L),
              callServer,
              split,
              sources,
              perServer);
      System.out.println(
          "transparent e2e "
              + name
              + ": "
              + o.toString().replaceAll("callServer=\\{[^}]*\\}, ", ""));
      return o;
    }
  }

  private static List<String> rules() {
    return List.of(
        "-A -u " + VIP + " -s rr -p 60 -M 0.0.0.0 -o --pe sip",
        "-a -u " + VIP + " -r 192.0.2.10:5060 -m",
        "-a -u " + VIP + " -r 192.0.2.11:5060 -m");
  }

  private static Map<String, Long> counters() throws Exception {
    Result r = run("bash", TOPOLOGY.toString(), "counters", id);
    assertEquals(0, r.exit(), r.out());
    Map<String, Long> out = new HashMap<>();
    r.out().lines().forEach(l -> out.put(l.split(" ")[0], Long.parseLong(l.split(" ")[1])));
    return out;
  }

  private static List<String> pe4j(String... args) {
    return Processes.pe4jCommand(List.of(), args);
  }

  private static Result netns(String which, List<String> command) throws Exception {
    List<String> cmd = new ArrayList<>(List.of("ip", "netns", "exec", "pe4j-" + which + "-" + id));
    cmd.addAll(command);
    return run(cmd.toArray(new String[0]));
  }

  private record Result(int exit, String out) {}

  private static Result run(String... command) throws Exception {
    Process p = new ProcessBuilder(command).redirectErrorStream(true).start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    assertTrue(p.waitFor(60, TimeUnit.SECONDS), String.join(" ", command));
    return new Result(p.exitValue(), out);
  }
}
