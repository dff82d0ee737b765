package io.pe4j.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.spi.merge.PutIfAbsentMergePolicy;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;

/**
 * One pe4j director's member of an embedded Hazelcast cluster (community edition, no
 * Enterprise-only feature): members find each other through a TCP/IP member list (no multicast),
 * each listening on its own member port.
 *
 * <p>The templates live in the map {@value #MAP}: one synchronous backup (a member's death loses no
 * template; a member that joins receives its partitions), entries expiring on their owner's clock.
 * After a split brain heals, the smaller side's templates are merged with {@code
 * PutIfAbsentMergePolicy}: a call both sides created keeps the larger side's real server, a call
 * only one side knew keeps its own.
 *
 * <pre>{@code
 * ClusterMember member = ClusterMember.builder("sip-lb").port(5701)
 *     .members(List.of("10.0.0.1:5701", "10.0.0.2:5701")).start();
 * Ipvs ipvs = Ipvs.builder().sharedTemplates(member.templates()).build();
 * }</pre>
 */
public final class ClusterMember implements AutoCloseable {

  /** The name of the Hazelcast map that holds the templates. */
  public static final String MAP = "pe4j-templates";

  private final HazelcastInstance hazelcast;
  private final HazelcastTemplates templates;

  private ClusterMember(Builder b) {
    Config c = new Config();
    c.setClusterName(b.cluster);
    c.setInstanceName("pe4j-" + b.cluster + "-" + b.host + "-" + b.port);
    c.setProperty("hazelcast.phone.home.enabled", "false");
    c.setProperty("hazelcast.logging.type", "jdk");
    c.setProperty("hazelcast.shutdownhook.enabled", "false");
    c.setProperty("hazelcast.local.localAddress", b.host);
    // a member that stops answering is taken out after this many seconds (default 60)
    c.setProperty("hazelcast.max.no.heartbeat.seconds", Integer.toString(b.heartbeatSeconds));
    c.setProperty("hazelcast.heartbeat.interval.seconds", "1");
    c.setProperty("hazelcast.merge.first.run.delay.seconds", Integer.toString(b.mergeSeconds));
    c.setProperty("hazelcast.merge.next.run.delay.seconds", Integer.toString(b.mergeSeconds));
    NetworkConfig n = c.getNetworkConfig();
    n.setPort(b.port).setPortAutoIncrement(false);
    n.getInterfaces().setEnabled(true).addInterface(b.host);
    JoinConfig j = n.getJoin();
    j.getMulticastConfig().setEnabled(false);
    j.getAutoDetectionConfig().setEnabled(false);
    j.getTcpIpConfig().setEnabled(true).setMembers(b.members);
    MapConfig m = new MapConfig(MAP).setBackupCount(1).setAsyncBackupCount(0);
    m.getMergePolicyConfig().setPolicy(PutIfAbsentMergePolicy.class.getName());
    c.addMapConfig(m);
    this.hazelcast = Hazelcast.newHazelcastInstance(c);
    this.templates = new HazelcastTemplates(hazelcast.getMap(MAP));
  }

  /** Returns a builder for a member of the cluster {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Configures a {@link ClusterMember}. */
  public static final class Builder {
    private final String cluster;
    private String host = "127.0.0.1";
    private int port = 5701;
    private List<String> members = new ArrayList<>();
    private int heartbeatSeconds = 10;
    private int mergeSeconds = 30;

    private Builder(String cluster) {
      if (cluster.isBlank()) {
        throw new IllegalArgumentException("the cluster name must not be empty");
      }
      this.cluster = cluster;
    }

    /** Sets the address this member listens on and is known by (default 127.0.0.1). */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host);
      return this;
    }

    /** Sets this member's port (default 5701). */
    public Builder port(int port) {
      if (port < 1 || port > 65_535) {
        throw new IllegalArgumentException("cluster port must be 1..65535: " + port);
      }
      this.port = port;
      return this;
    }

    /** Sets the members to join, {@code HOST:PORT} each (this member may be among them). */
    public Builder members(List<String> members) {
      for (String m : members) {
        int colon = m.lastIndexOf(':');
        if (colon <= 0 || !m.substring(colon + 1).matches("[0-9]{1,5}")) {
          throw new IllegalArgumentException("a cluster member is HOST:PORT, not '" + m + "'");
        }
      }
      this.members = List.copyOf(members);
      return this;
    }

    /** Sets after how many seconds without a heartbeat a member is taken out (default 10). */
    public Builder heartbeatSeconds(int seconds) {
      this.heartbeatSeconds = Math.max(2, seconds);
      return this;
    }

    /** Sets how often, in seconds, a member looks for another cluster to merge with (30). */
    public Builder mergeSeconds(int seconds) {
      this.mergeSeconds = Math.max(1, seconds);
      return this;
    }

    /** Starts the member; returns when it has joined (or formed) the cluster. */
    public ClusterMember start() {
      return new ClusterMember(this);
    }
  }

  /** Returns the shared template table for {@code Ipvs.builder().sharedTemplates(...)}. */
  public HazelcastTemplates templates() {
    return templates;
  }

  /** Returns the Hazelcast member (its cluster view, statistics, lifecycle). */
  public HazelcastInstance hazelcast() {
    return hazelcast;
  }

  /** Returns the number of members this member sees. */
  public int size() {
    return hazelcast.getCluster().getMembers().size();
  }

  /** Leaves the cluster gracefully: its partitions move to the others first. */
  @Override
  public void close() {
    templates.close();
    hazelcast.shutdown();
  }
}
