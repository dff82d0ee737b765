package io.pe4j.forwarder.sip;

import io.pe4j.core.Ipvs;
import io.pe4j.forwarder.Forwarder;
import java.io.IOException;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.IntConsumer;

/**
 * One demo run on loopback and free ports: a core with a service line, a forwarder, {@code K} SIP
 * servers behind it and a SIP client running {@code N} calls through it. Each server records the
 * Call-IDs it sees; a Call-ID seen by two servers is a split call.
 */
public final class DemoRun {

  private DemoRun() {}

  /**
   * The outcome of a run.
   *
   * @param rules the rules as {@code ipvsadm -Sn} prints them
   * @param sample the first lines of {@code ipvsadm -Lcn --persistent-conn}
   * @param callsPerServer server name to the calls it answered an INVITE for
   * @param splitCalls Call-IDs that reached more than one server
   * @param deadCallMessages ACKs and BYEs that reached a server that never saw the call
   * @param client the client's view: calls completed and failed
   * @param forwarderStats the forwarder's counters
   */
  public record Result(
      String rules,
      String sample,
      Map<String, Integer> callsPerServer,
      int splitCalls,
      long deadCallMessages,
      SipClient.Result client,
      String forwarderStats) {}

  /** Ports this JVM handed out: never twice, as another process may not have bound one yet. */
  private static final Set<Integer> HANDED_OUT = ConcurrentHashMap.newKeySet();

  /**
   * Returns a UDP port free on 127.0.0.1 now, for a socket another process or a later call binds.
   * It lies below Linux's ephemeral range (32768 and up by default): a port the kernel chose would
   * be free again once returned, and any socket bound to port 0 (a SIP client's socket per call, a
   * forwarder's socket towards a server) could take it between this choice and the bind.
   */
  public static int freePort() throws IOException {
    ThreadLocalRandom random = ThreadLocalRandom.current();
    if (HANDED_OUT.size() > 4_096) {
      HANDED_OUT.clear(); // bounded: the oldest were bound, or given up, long ago
    }
    for (int attempt = 0; attempt < 500; attempt++) {
      int port = 20_000 + random.nextInt(12_000);
      if (HANDED_OUT.contains(port)) {
        continue;
      }
      try (DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", port))) {
        if (HANDED_OUT.add(port)) {
          return port;
        }
      } catch (IOException taken) {
        // another one
      }
    }
    throw new IOException("no free UDP port on 127.0.0.1 in 20000..31999 after 500 tries");
  }

  /**
   * Runs the demo once.
   *
   * @param serviceOptions the ipvsadm service options, such as {@code -s rr -p 60 -M 0.0.0.0 -o
   *     --pe sip}
   */
  public static Result run(
      String serviceOptions, int calls, int servers, int threads, IntConsumer progress)
      throws IOException, InterruptedException {
    int vport = freePort();
    String vip = "127.0.0.1:" + vport;
    Ipvs ipvs = Ipvs.builder().build();
    ipvs.ipvsadm("-A -u " + vip + " " + serviceOptions);
    List<SipServer> peers = new ArrayList<>();
    try {
      for (int i = 1; i <= servers; i++) {
        SipServer s = SipServer.start(new InetSocketAddress("127.0.0.1", 0), "server" + i);
        peers.add(s);
        ipvs.ipvsadm("-a -u " + vip + " -r 127.0.0.1:" + s.address().getPort() + " -m -w 1");
      }
      try (Forwarder forwarder = Forwarder.builder(ipvs).threads(threads).build().start();
          SipClient client = new SipClient(new InetSocketAddress("127.0.0.1", vport), 8, "demo")) {
        SipClient.Result r =
            client.run(calls, 32, "call-" + Long.toHexString(System.nanoTime()) + "-", progress);
        String listing = ipvs.ipvsadm("-Lcn --persistent-conn");
        String sample = String.join("\n", listing.lines().limit(7).toList()) + "\n";
        Map<String, Integer> perServer = new LinkedHashMap<>();
        Map<String, Integer> seenBy = new HashMap<>();
        long dead = 0;
        for (SipServer s : peers) {
          perServer.put(s.name() + " (" + s.address().getPort() + ")", s.calls().size());
          s.callIdsSeen().forEach(id -> seenBy.merge(id, 1, Integer::sum));
          dead += s.deadCallMessages();
        }
        int split = (int) seenBy.values().stream().filter(n -> n > 1).count();
        return new Result(
            ipvs.ipvsadm("-Sn"), sample, perServer, split, dead, r, forwarder.stats().render());
      }
    } finally {
      peers.forEach(SipServer::close);
    }
  }
}
