package io.pe4j.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.core.Ipvs;
import io.pe4j.core.Verdict;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.BooleanSupplier;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Directors sharing templates through Hazelcast members in this JVM, on loopback: they agree on
 * every call's server, and a member's death, a member's arrival, and deletes split no call. Each
 * test uses a virtual service of its own.
 */
class ClusterTest {

  private static final String CLUSTER = "pe4j-test-" + ProcessHandle.current().pid();
  private static final int BASE = 15_700 + (int) (ProcessHandle.current().pid() % 200) * 10;
  private static final List<ClusterMember> members = new ArrayList<>();
  private static final List<String> memberList = new ArrayList<>();

  @BeforeAll
  static void startMembers() {
    for (int i = 0; i < 3; i++) {
      memberList.add("127.0.0.1:" + (BASE + i));
    }
    for (int i = 0; i < 3; i++) {
      members.add(member(BASE + i));
    }
    assertEquals(3, members.get(0).size());
  }

  private static ClusterMember member(int port) {
    return ClusterMember.builder(CLUSTER)
        .port(port)
        .members(memberList)
        .heartbeatSeconds(4)
        .start();
  }

  @AfterAll
  static void stopMembers() {
    for (ClusterMember m : members) {
      m.hazelcast().getLifecycleService().terminate();
    }
  }

  /** A director on member {@code m} (or alone when null) with service {@code vip}:5060, rr. */
  private static Ipvs node(@Nullable ClusterMember m, String vip, int persist, int rrOffset) {
    Ipvs.Builder b = Ipvs.builder();
    if (m != null) {
      b.sharedTemplates(m.templates());
    }
    Ipvs ipvs = b.build();
    ipvs.ipvsadm("-A -u " + vip + ":5060 -s rr -p " + persist + " -M 0.0.0.0 -o --pe sip");
    for (int n = 1; n <= 3; n++) {
      ipvs.ipvsadm("-a -u " + vip + ":5060 -r 192.168.10." + n + ":5060 -m");
    }
    for (int i = 0; i < rrOffset; i++) { // moves the rr pointer: each node would pick another
      ipvs.process(invite(vip, "198.51.100.1", 9, "warm-up-" + i + "-" + System.nanoTime()));
    }
    return ipvs;
  }

  static Datagram invite(String vip, String client, int port, String callId) {
    byte[] payload =
        ("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP "
                + client
                + ";branch=z9hG4bK1\r\nCall-ID: "
                + callId
                + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
            .getBytes(StandardCharsets.ISO_8859_1);
    return Datagram.udp(
        IpAddress.parse(client), 10_000 + port, IpAddress.parse(vip), 5060, payload);
  }

  /** Runs the first INVITE of each call on every node at once; returns the calls split. */
  private static int concurrentCalls(List<Ipvs> nodes, String vip, int calls) throws Exception {
    ExecutorService pool = Executors.newFixedThreadPool(nodes.size());
    int split = 0;
    try {
      for (int c = 0; c < calls; c++) {
        String callId = "race-" + c + "@" + vip;
        CyclicBarrier start = new CyclicBarrier(nodes.size());
        List<Future<Verdict>> verdicts = new ArrayList<>();
        for (int i = 0; i < nodes.size(); i++) {
          Ipvs node = nodes.get(i);
          String client = "198.51.100." + (10 + i);
          verdicts.add(
              pool.submit(
                  () -> {
                    start.await();
                    return node.process(invite(vip, client, 1, callId));
                  }));
        }
        Set<String> servers = new HashSet<>();
        for (Future<Verdict> f : verdicts) {
          servers.add(f.get().toString());
        }
        split += servers.size() > 1 ? 1 : 0;
      }
    } finally {
      pool.shutdownNow();
    }
    return split;
  }

  @Test
  void nodesSeeingACallsFirstDatagramsAtOnceAgreeOnOneServer() throws Exception {
    List<Ipvs> shared = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      shared.add(node(members.get(i), "10.0.1.1", 60, i));
    }
    int split = concurrentCalls(shared, "10.0.1.1", 200);
    System.out.println("cluster: 200 calls raced on 3 nodes, split " + split);
    assertEquals(0, split);
    for (Ipvs n : shared) {
      assertEquals(0, n.sharedTemplateErrors());
    }
  }

  @Test
  void withoutTheSharedTableRacingNodesSplitCalls_control() throws Exception {
    List<Ipvs> alone = new ArrayList<>();
    for (int i = 0; i < 3; i++) {
      alone.add(node(null, "10.0.1.2", 60, i));
    }
    int split = concurrentCalls(alone, "10.0.1.2", 200);
    System.out.println("control: 200 calls on 3 nodes without a shared table, split " + split);
    assertTrue(split > 150, "split " + split);
  }

  @Test
  void aMembersDeathLosesNoTemplateAndAJoiningMemberReceivesTheTable() throws Exception {
    ClusterMember doomed = member(BASE + 5);
    ClusterMember joiner = null;
    try {
      Ipvs creator = node(doomed, "10.0.1.3", 300, 0);
      List<String> where = new ArrayList<>();
      for (int c = 0; c < 300; c++) {
        where.add(creator.process(invite("10.0.1.3", "198.51.100.20", c, "kill-" + c)).toString());
      }
      Ipvs survivor = node(members.get(1), "10.0.1.3", 300, 1);
      long killed = System.nanoTime();
      doomed.hazelcast().getLifecycleService().terminate(); // as kill -9: no migration first
      long first = 0;
      for (int c = 0; c < 300; c++) {
        Verdict v = survivor.process(invite("10.0.1.3", "198.51.100.21", c, "kill-" + c));
        assertEquals(where.get(c), v.toString(), "call kill-" + c + " after the member's death");
        if (c == 0) {
          first = System.nanoTime() - killed;
        }
      }
      System.out.printf(
          "cluster: after a member's death the survivors served its calls' first datagram in %.1f"
              + " ms, all 300 in %.1f ms%n",
          first / 1e6, (System.nanoTime() - killed) / 1e6);
      joiner = member(BASE + 6);
      Ipvs newcomer = node(joiner, "10.0.1.3", 300, 2);
      for (int c = 0; c < 300; c++) {
        Verdict v = newcomer.process(invite("10.0.1.3", "198.51.100.22", c, "kill-" + c));
        assertEquals(where.get(c), v.toString(), "call kill-" + c + " on a member that joined");
      }
      HazelcastTemplates joined = joiner.templates();
      assertTrue(eventually(() -> joined.ownedEntryCount() > 0), "partitions migrate to it");
      System.out.println(
          "cluster: 300 calls kept after a member's death; the joining member owns "
              + joined.ownedEntryCount()
              + " entries");
    } finally {
      if (joiner != null) {
        joiner.close();
      }
    }
  }

  @Test
  void aDeleteOnOneNodeRemovesTheOthersCopies() throws Exception {
    Ipvs a = node(members.get(0), "10.0.1.4", 300, 0);
    Ipvs b = node(members.get(1), "10.0.1.4", 300, 1);
    for (int c = 0; c < 30; c++) {
      a.process(invite("10.0.1.4", "198.51.100.30", c, "del-" + c));
      b.process(invite("10.0.1.4", "198.51.100.31", c, "del-" + c)); // b holds a local copy
    }
    assertEquals(31, b.templateCount()); // and one of b's rr warm-up
    a.ipvsadm("-D -u 10.0.1.4:5060"); // the service's templates go on a, and everywhere
    assertTrue(eventually(() -> b.templateCount() == 0), "b still holds " + b.templateCount());
  }

  @Test
  void aCallUsedOnAnotherNodeStaysAliveEverywhere() throws Exception {
    Ipvs a = node(members.get(0), "10.0.1.5", 2, 0);
    Ipvs b = node(members.get(2), "10.0.1.5", 2, 1);
    String first = a.process(invite("10.0.1.5", "198.51.100.40", 1, "alive")).toString();
    String lonely = a.process(invite("10.0.1.5", "198.51.100.40", 2, "lonely")).toString();
    for (int i = 0; i < 10; i++) { // 5 s of use on b only; a's own copy expires after 2 s
      assertEquals(first, b.process(invite("10.0.1.5", "198.51.100.41", 1, "alive")).toString());
      Thread.sleep(500);
    }
    a.cleanUp();
    assertEquals(first, a.process(invite("10.0.1.5", "198.51.100.40", 1, "alive")).toString());
    // control: "lonely" was used by nobody for 5 s: gone from the cluster (2 s + at most 2 s)
    String listing = b.ipvsadm("-Lcn --persistent-conn");
    assertTrue(listing.contains("alive") && !listing.contains("lonely"), listing);
    assertTrue(lonely.startsWith("FORWARD"));
  }

  @Test
  void aListingOnAnyNodeShowsTheClustersTemplates() {
    Ipvs a = node(members.get(0), "10.0.1.6", 300, 0);
    Ipvs c = node(members.get(2), "10.0.1.6", 300, 0);
    a.process(invite("10.0.1.6", "198.51.100.50", 1, "listed-on-a@example.com"));
    String listing = c.ipvsadm("-Lcn --persistent-conn");
    assertTrue(
        listing.matches("(?s).*192\\.168\\.10\\.\\d:5060 +sip +listed-on-a@example\\.com\n.*"),
        listing);
  }

  @Test
  void memoryPerTemplatePerCopy() {
    Ipvs a = node(members.get(0), "10.0.1.7", 300, 0);
    long before = 0;
    long entries = 0;
    for (ClusterMember m : members) {
      before += m.templates().ownedEntryMemoryCost();
      entries += m.templates().ownedEntryCount();
    }
    int n = 10_000;
    for (int c = 0; c < n; c++) {
      a.process(invite("10.0.1.7", "198.51.100.60", c, "mem-" + c + "@pc33.atlanta.example.com"));
    }
    long after = 0;
    long entriesAfter = 0;
    for (ClusterMember m : members) {
      after += m.templates().ownedEntryMemoryCost();
      entriesAfter += m.templates().ownedEntryCount();
    }
    long perCopy = (after - before) / (entriesAfter - entries);
    System.out.println(
        "cluster: "
            + (entriesAfter - entries)
            + " templates (Call-ID 34 bytes), "
            + perCopy
            + " bytes per template per copy in Hazelcast (owner; one backup doubles it)");
    assertEquals(n, entriesAfter - entries);
    assertTrue(perCopy > 0 && perCopy < 1024, "bytes per entry " + perCopy);
  }

  static boolean eventually(BooleanSupplier condition) throws InterruptedException {
    return eventually(condition, 10);
  }

  static boolean eventually(BooleanSupplier condition, int seconds) throws InterruptedException {
    long until = System.nanoTime() + seconds * 1_000_000_000L;
    while (System.nanoTime() < until) {
      if (condition.getAsBoolean()) {
        return true;
      }
      Thread.sleep(50);
    }
    return condition.getAsBoolean();
  }
}
