package io.pe4j.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.Ipvs;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A partition: one member is cut off from the two others, both sides go on creating templates (each
 * alone), and when the network heals the halves merge into one table that every node follows.
 */
class SplitBrainTest {

  private static Ipvs node(ClusterMember m, int rrOffset) {
    return ClusterTest.node(m, "10.0.2.1", 300, rrOffset);
  }

  private static String where(Ipvs ipvs, String callId) {
    return ClusterTest.process(ipvs, ClusterTest.invite("10.0.2.1", "198.51.100.99", 1, callId))
        .toString();
  }

  @Test
  void theHalvesMergeAndAgree() throws Exception {
    String name = "pe4j-split-" + ProcessHandle.current().pid();
    int base = 18_000 + (int) (ProcessHandle.current().pid() % 150) * 10;
    List<String> all =
        List.of("127.0.0.1:" + base, "127.0.0.1:" + (base + 1), "127.0.0.1:" + (base + 2));
    ClusterMember ma = start(name, base, all);
    ClusterMember mb = start(name, base + 1, all);
    ClusterMember mc = start(name, base + 2, all);
    try {
      assertTrue(ClusterTest.eventually(() -> ma.size() == 3, 20), "formed: " + ma.size());
      Partition.isolate(mc);
      assertTrue(
          ClusterTest.eventually(() -> ma.size() == 2 && mc.size() == 1, 30),
          "split: " + ma.size() + " and " + mc.size());
      Ipvs big = node(ma, 0);
      Ipvs small = node(mc, 1); // its rr starts elsewhere: a call created on both sides differs
      String bothOnBig = where(big, "both");
      String bothOnSmall = where(small, "both");
      assertTrue(!bothOnBig.equals(bothOnSmall), "the halves chose differently while apart");
      String onlySmall = where(small, "only-small");
      String onlyBig = where(big, "only-big");
      Partition.heal(mc);
      assertTrue(
          ClusterTest.eventually(() -> ma.size() == 3 && mc.size() == 3, 60),
          "merged: " + ma.size() + " and " + mc.size());
      // the merge resolves the halves' conflicts in the background: both halves' keys, and the
      // smaller half's rr warm-up, in one table
      assertTrue(
          ClusterTest.eventually(() -> ma.templates().size() >= 4, 30),
          "templates after the merge: " + ma.templates().size());
      Ipvs fresh = node(mb, 2); // a node with no local copy reads the merged table
      assertTrue(
          ClusterTest.eventually(() -> where(fresh, "both").equals(bothOnBig), 30),
          "a call both halves knew: the larger's, not " + where(fresh, "both"));
      assertEquals(onlySmall, where(fresh, "only-small"), "a call only the smaller half knew");
      assertEquals(onlyBig, where(fresh, "only-big"));
      // the smaller half's own node drops the copy the merge overruled
      assertTrue(
          ClusterTest.eventually(() -> where(small, "both").equals(bothOnBig), 20),
          "the smaller half's node still sends 'both' to " + where(small, "both"));
      System.out.println(
          "split brain: merged into "
              + ma.size()
              + " members; 'both' kept the larger half's "
              + bothOnBig
              + "; overruled on the smaller half: "
              + small.clusterCounts().overruled());
    } finally {
      for (ClusterMember m : List.of(ma, mb, mc)) {
        m.close();
      }
    }
  }

  private static ClusterMember start(String name, int port, List<String> all) {
    return ClusterMember.builder(name).port(port).members(all).secret(ClusterTest.SECRET).start();
  }
}
