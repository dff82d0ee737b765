package io.pe4j.cluster;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.Ipvs;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A split brain heals with the stated merge policy: two halves that each took calls while apart
 * become one cluster; a call both halves created keeps the larger half's real server, a call only
 * one half knew keeps its own, and every node then agrees.
 */
class SplitBrainTest {

  private static Ipvs node(ClusterMember m, int rrOffset) {
    Ipvs ipvs = Ipvs.builder().sharedTemplates(m.templates()).build();
    ipvs.ipvsadm("-A -u 10.0.2.1:5060 -s rr -p 300 -M 0.0.0.0 -o --pe sip");
    for (int n = 1; n <= 3; n++) {
      ipvs.ipvsadm("-a -u 10.0.2.1:5060 -r 192.168.10." + n + ":5060 -m");
    }
    for (int i = 0; i < rrOffset; i++) {
      ipvs.process(ClusterTest.invite("10.0.2.1", "198.51.100.1", 9, "warm-" + i));
    }
    return ipvs;
  }

  private static String where(Ipvs ipvs, String callId) {
    return ipvs.process(ClusterTest.invite("10.0.2.1", "198.51.100.99", 1, callId)).toString();
  }

  @Test
  void theHalvesMergeAndAgree() throws Exception {
    String name = "pe4j-split-" + ProcessHandle.current().pid();
    int base = 17_700 + (int) (ProcessHandle.current().pid() % 200) * 10;
    String a = "127.0.0.1:" + base;
    String b = "127.0.0.1:" + (base + 1);
    String c = "127.0.0.1:" + (base + 2);
    // the larger half: a and b; the smaller: c, which knows nobody yet
    ClusterMember ma =
        ClusterMember.builder(name).port(base).members(List.of(a, b)).mergeSeconds(2).start();
    ClusterMember mb =
        ClusterMember.builder(name).port(base + 1).members(List.of(a, b)).mergeSeconds(2).start();
    ClusterMember mc =
        ClusterMember.builder(name).port(base + 2).members(List.of(c)).mergeSeconds(2).start();
    try {
      assertEquals(2, ma.size());
      assertEquals(1, mc.size());
      Ipvs big = node(ma, 0);
      Ipvs small = node(mc, 1); // its rr starts elsewhere: a call created on both sides differs
      String bothOnBig = where(big, "both");
      String bothOnSmall = where(small, "both");
      assertTrue(!bothOnBig.equals(bothOnSmall), "the halves chose differently while apart");
      String onlySmall = where(small, "only-small");
      String onlyBig = where(big, "only-big");
      // the network heals: c learns of a and b
      mc.hazelcast().getConfig().getNetworkConfig().getJoin().getTcpIpConfig().addMember(a);
      ma.hazelcast().getConfig().getNetworkConfig().getJoin().getTcpIpConfig().addMember(c);
      assertTrue(
          ClusterTest.eventually(() -> ma.size() == 3 && mc.size() == 3, 60),
          "merged: " + ma.size() + " and " + mc.size());
      assertTrue(
          ClusterTest.eventually(() -> mc.templates().size() >= 3 + 1, 30),
          "templates after the merge: " + mc.templates().size());
      Ipvs fresh = node(mb, 2); // a node with no local copy reads the merged table
      assertEquals(bothOnBig, where(fresh, "both"), "a call both halves knew: the larger's");
      assertEquals(onlySmall, where(fresh, "only-small"), "a call only the smaller half knew");
      assertEquals(onlyBig, where(fresh, "only-big"));
      // the smaller half's own node drops the copy the merge overruled
      assertTrue(
          ClusterTest.eventually(() -> where(small, "both").equals(bothOnBig), 10),
          "the smaller half's node still sends 'both' to " + where(small, "both"));
      System.out.println(
          "split brain: merged into "
              + ma.size()
              + " members, "
              + mc.templates().size()
              + " templates; 'both' kept the larger half's "
              + bothOnBig);
    } finally {
      for (ClusterMember m : List.of(ma, mb, mc)) {
        m.hazelcast().getLifecycleService().terminate();
      }
    }
  }
}
