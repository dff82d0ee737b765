package io.pe4j.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.Ipvs;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.Test;

/**
 * A stranger that knows the cluster's name and its members' addresses, but not the secret: it does
 * not join, reads no Call-ID, and changes no template; each member counts what it refused. The
 * control gives the same process the right secret: it joins and reads every Call-ID, so the test
 * can see a stranger that got in.
 */
class StrangerTest {

  private static final String NAME = "pe4j-stranger-" + ProcessHandle.current().pid();
  private static final int BASE = 19_600 + (int) (ProcessHandle.current().pid() % 150) * 10;

  private static int callIdsReadBy(ClusterMember m) {
    AtomicInteger n = new AtomicInteger();
    m.templates()
        .forEach(
            record -> {
              if (new String(record, StandardCharsets.ISO_8859_1).contains("secret-call-")) {
                n.incrementAndGet();
              }
            });
    return n.get();
  }

  @Test
  void aStrangerWithoutTheSecretNeitherJoinsNorReadsNorWrites() throws Exception {
    List<String> all = new ArrayList<>();
    for (int i = 0; i < 4; i++) {
      all.add("127.0.0.1:" + (BASE + i));
    }
    List<ClusterMember> members = new ArrayList<>();
    try {
      for (int i = 0; i < 2; i++) {
        members.add(
            ClusterMember.builder(NAME)
                .port(BASE + i)
                .members(all)
                .secret(ClusterTest.SECRET)
                .start());
      }
      ClusterMember a = members.get(0);
      Ipvs node = ClusterTest.node(a, "10.0.3.1", 300, 0);
      List<String> where = new ArrayList<>();
      for (int c = 0; c < 50; c++) {
        where.add(
            ClusterTest.process(
                    node, ClusterTest.invite("10.0.3.1", "198.51.100.80", c, "secret-call-" + c))
                .toString());
      }
      assertEquals(50, callIdsReadBy(a), "the members hold the calls");
      for (String how : List.of("a wrong secret", "no encryption")) {
        ClusterMember.Builder b = ClusterMember.builder(NAME).port(BASE + 2).members(all);
        b = how.equals("no encryption") ? b.secret(new byte[] {1}).unsealed() : b;
        b = how.equals("a wrong secret") ? b.secret("guess".getBytes(StandardCharsets.UTF_8)) : b;
        long refusedBefore = a.refused() + members.get(1).refused();
        ClusterMember stranger = b.start();
        try {
          Thread.sleep(3000); // discovery, join attempts, merge attempts
          assertEquals(1, stranger.size(), how + ": the stranger sees only itself");
          assertEquals(2, a.size(), how + ": the members see only themselves");
          assertEquals(0, callIdsReadBy(stranger), how + ": the stranger read Call-IDs");
          stranger.templates().forEach(r -> {});
          stranger.manager().getCache(ClusterMember.CACHE).clear(); // its own, alone
          long refused = a.refused() + members.get(1).refused() - refusedBefore;
          System.out.println(
              "stranger with "
                  + how
                  + ": did not join; the members refused "
                  + refused
                  + " of its messages");
          assertTrue(refused > 0, how + ": nothing was counted");
        } finally {
          stranger.close();
        }
        Ipvs fresh = ClusterTest.node(members.get(1), "10.0.3.1", 300, 1);
        for (int c = 0; c < 50; c++) {
          assertEquals(
              where.get(c),
              ClusterTest.process(
                      fresh, ClusterTest.invite("10.0.3.1", "198.51.100.81", c, "secret-call-" + c))
                  .toString(),
              how + ": call " + c + " still on its server");
        }
      }
      // control: the same stranger with the right secret joins and reads every Call-ID
      ClusterMember insider =
          ClusterMember.builder(NAME)
              .port(BASE + 3)
              .members(all)
              .secret(ClusterTest.SECRET)
              .start();
      try {
        assertTrue(ClusterTest.eventually(() -> a.size() == 3, 20), "joined: " + a.size());
        assertEquals(50, callIdsReadBy(insider), "control: a member with the secret reads them");
      } finally {
        insider.close();
      }
    } finally {
      for (ClusterMember m : members) {
        m.close();
      }
    }
  }
}
