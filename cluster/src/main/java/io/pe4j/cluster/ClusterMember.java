package io.pe4j.cluster;

import com.google.common.net.HostAndPort;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.UnknownHostException;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import org.infinispan.AdvancedCache;
import org.infinispan.commons.dataconversion.MediaType;
import org.infinispan.configuration.cache.CacheMode;
import org.infinispan.configuration.cache.ConfigurationBuilder;
import org.infinispan.configuration.global.GlobalConfigurationBuilder;
import org.infinispan.configuration.global.ShutdownHookBehavior;
import org.infinispan.conflict.MergePolicy;
import org.infinispan.manager.DefaultCacheManager;
import org.infinispan.partitionhandling.PartitionHandling;
import org.infinispan.remoting.transport.jgroups.JGroupsChannelConfigurator;
import org.infinispan.remoting.transport.jgroups.JGroupsTransport;
import org.jgroups.JChannel;
import org.jgroups.conf.ProtocolConfiguration;
import org.jgroups.util.SocketFactory;

/**
 * One pe4j director's member of a cluster: an embedded Infinispan cache manager on a JGroups
 * channel of its own ({@link SealedChannel}). Members find each other through a fixed member list
 * (no multicast); the member port listens on the member's own address only; everything that crosses
 * the wire is encrypted with a key derived from the cluster secret, so a process without the secret
 * neither joins, nor reads a Call-ID, nor changes a template.
 *
 * <p>The templates live in the distributed cache {@value #CACHE}: two owners per key (a member's
 * death loses no template; a member that joins receives its share), entries expiring on their
 * owner's clock. A partition keeps both sides working; when it heals, a key both sides hold keeps
 * the larger side's record, a key only one side knew keeps its own ({@code PREFERRED_NON_NULL}).
 *
 * <pre>{@code
 * ClusterMember member = ClusterMember.builder("sip-lb").host("10.0.0.1").port(7800)
 *     .members(List.of("10.0.0.1:7800", "10.0.0.2:7800")).secret(secretBytes).start();
 * Ipvs ipvs = Ipvs.builder().sharedTemplates(member.templates()).build();
 * }</pre>
 */
public final class ClusterMember implements AutoCloseable {

  /** The name of the distributed cache that holds the templates. */
  public static final String CACHE = "pe4j-templates";

  private final DefaultCacheManager manager;
  private final JChannel channel;
  private final SealedChannel.Sealer sealer;
  private final InfinispanTemplates templates;

  private ClusterMember(Builder b) {
    byte[] secret = b.secret;
    if (secret == null || secret.length == 0) {
      throw new IllegalArgumentException("a cluster needs a secret (--cluster-secret FILE)");
    }
    try {
      InetAddress host = InetAddress.getByName(b.host);
      List<InetSocketAddress> members = new ArrayList<>();
      for (String m : b.members) {
        HostAndPort hp = HostAndPort.fromString(m);
        members.add(new InetSocketAddress(InetAddress.getByName(hp.getHost()), hp.getPort()));
      }
      InetSocketAddress self = new InetSocketAddress(host, b.port);
      if (!members.contains(self)) {
        members.add(self);
      }
      this.sealer = new SealedChannel.Sealer(SealedChannel.key(secret, b.cluster));
      this.channel =
          SealedChannel.build(host, b.port, members, b.sealed ? sealer : null, b.suspectMillis);
      channel.setName(b.host + ":" + b.port);
    } catch (UnknownHostException e) {
      throw new IllegalArgumentException("unknown cluster host: " + e.getMessage(), e);
    } catch (IllegalArgumentException e) {
      throw e;
    } catch (Exception e) {
      throw new IllegalStateException("cannot build the cluster channel: " + e, e);
    }
    GlobalConfigurationBuilder g = new GlobalConfigurationBuilder();
    g.transport()
        .defaultTransport()
        .addProperty(JGroupsTransport.CHANNEL_CONFIGURATOR, new OwnChannel(channel))
        .clusterName(b.cluster)
        .nodeName(b.host + ":" + b.port);
    g.jmx().enabled(false);
    g.shutdown().hookBehavior(ShutdownHookBehavior.DONT_REGISTER);
    ConfigurationBuilder c = new ConfigurationBuilder();
    c.clustering()
        .cacheMode(CacheMode.DIST_SYNC)
        .remoteTimeout(b.remoteTimeoutMillis, TimeUnit.MILLISECONDS)
        .hash()
        .numOwners(2);
    c.clustering()
        .partitionHandling()
        .whenSplit(PartitionHandling.ALLOW_READ_WRITES)
        .mergePolicy(MergePolicy.PREFERRED_NON_NULL);
    c.encoding().mediaType(MediaType.APPLICATION_PROTOSTREAM_TYPE);
    c.expiration().wakeUpInterval(5, TimeUnit.SECONDS);
    c.statistics().enabled(false);
    this.manager = new DefaultCacheManager(g.build(), false);
    try {
      manager.defineConfiguration(CACHE, c.build());
      manager.start();
      AdvancedCache<byte[], byte[]> cache =
          manager.<byte[], byte[]>getCache(CACHE).getAdvancedCache();
      this.templates = new InfinispanTemplates(cache);
    } catch (RuntimeException e) {
      manager.stop();
      throw e;
    }
  }

  /** Hands Infinispan this member's own channel instead of one built from a stack file. */
  private static final class OwnChannel implements JGroupsChannelConfigurator {
    private final JChannel channel;

    OwnChannel(JChannel channel) {
      this.channel = channel;
    }

    @Override
    public String getName() {
      return "pe4j-sealed";
    }

    @Override
    public JChannel createChannel(String name) {
      return channel;
    }

    @Override
    public void setSocketFactory(SocketFactory socketFactory) {}

    @Override
    public void setDataSource(javax.sql.DataSource dataSource) {}

    @Override
    public String getProtocolStackString() {
      return channel.getProtocolStack().printProtocolSpec(false);
    }

    @Override
    public List<ProtocolConfiguration> getProtocolStack() {
      return List.of();
    }
  }

  /** Returns a builder for a member of the cluster {@code name}. */
  public static Builder builder(String name) {
    return new Builder(name);
  }

  /** Configures a {@link ClusterMember}. */
  public static final class Builder {
    private final String cluster;
    private String host = "127.0.0.1";
    private int port = 7800;
    private List<String> members = new ArrayList<>();
    private byte @org.jspecify.annotations.Nullable [] secret;
    private long suspectMillis = 3000;
    private long remoteTimeoutMillis = 2000;
    private boolean sealed = true;

    private Builder(String cluster) {
      if (cluster.isBlank()) {
        throw new IllegalArgumentException("the cluster name must not be empty");
      }
      this.cluster = cluster;
    }

    /** Sets the address this member listens on, and only on, and is known by (127.0.0.1). */
    public Builder host(String host) {
      this.host = Objects.requireNonNull(host);
      return this;
    }

    /** Sets this member's port (default 7800; failure detection also uses this port + 100). */
    public Builder port(int port) {
      if (port < 1 || port > 65_435) {
        throw new IllegalArgumentException("cluster port must be 1..65435: " + port);
      }
      this.port = port;
      return this;
    }

    /** Sets the members to join, {@code HOST:PORT} each (this member may be among them). */
    public Builder members(List<String> members) {
      for (String m : members) {
        boolean ok;
        try {
          HostAndPort hp = HostAndPort.fromString(m).requireBracketsForIPv6();
          ok = hp.hasPort() && !hp.getHost().isEmpty();
        } catch (IllegalArgumentException e) {
          ok = false;
        }
        if (!ok) {
          throw new IllegalArgumentException(
              "a cluster member is HOST:PORT (an IPv6 address in brackets), not '" + m + "'");
        }
      }
      this.members = List.copyOf(members);
      return this;
    }

    /**
     * Sets the cluster secret (required): only members with the same secret and cluster name can
     * join, read or write; every message is encrypted with a key derived from both.
     */
    public Builder secret(byte[] secret) {
      this.secret = secret.clone();
      return this;
    }

    /** Sets after how long without a heartbeat a member is suspected and taken out (3 s). */
    public Builder suspectAfter(java.time.Duration after) {
      this.suspectMillis = Math.max(1000, after.toMillis());
      return this;
    }

    /** Sets how long an operation waits for another member before it fails (2 s). */
    public Builder remoteTimeout(java.time.Duration timeout) {
      this.remoteTimeoutMillis = Math.max(100, timeout.toMillis());
      return this;
    }

    /** Tests only: a member without encryption (a stranger that knows nothing of the secret). */
    Builder unsealed() {
      this.sealed = false;
      return this;
    }

    /** Starts the member; returns when it has joined (or formed) the cluster. */
    public ClusterMember start() {
      return new ClusterMember(this);
    }
  }

  /** Returns the shared template table for {@code Ipvs.builder().sharedTemplates(...)}. */
  public InfinispanTemplates templates() {
    return templates;
  }

  /** Returns the number of members this member sees. */
  public int size() {
    return manager.getMembers() == null ? 1 : manager.getMembers().size();
  }

  /**
   * Returns how many messages this member refused because they were not sealed with the cluster's
   * secret: strangers trying to join, read or write.
   */
  public long refused() {
    return sealer.refused();
  }

  /** Returns the members this member sees, by name ({@code HOST:PORT}). */
  public List<String> memberNames() {
    List<String> out = new ArrayList<>();
    var view = channel.getView();
    if (view != null) {
      view.getMembers().forEach(a -> out.add(String.valueOf(a)));
    }
    return out;
  }

  /**
   * Returns whether the cluster is healthy as this member sees it: no member missing from the
   * template cache's topology, no rebalance in progress.
   */
  public boolean healthy() {
    return manager.getHealth().getClusterHealth().getHealthStatus()
        == org.infinispan.health.HealthStatus.HEALTHY;
  }

  /** The cache manager (tests). */
  DefaultCacheManager manager() {
    return manager;
  }

  /** The channel (tests: a partition is a DISCARD protocol inserted above the transport). */
  JChannel channel() {
    return channel;
  }

  /** Leaves the cluster gracefully: its share moves to the others first. */
  @Override
  public void close() {
    templates.close();
    manager.stop();
  }
}
