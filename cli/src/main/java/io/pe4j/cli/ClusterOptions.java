package io.pe4j.cli;

import io.pe4j.cluster.ClusterMember;
import io.pe4j.core.Ipvs;
import io.pe4j.forwarder.AdminServer;
import io.pe4j.forwarder.Forwarder;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.file.Path;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** {@code pe4j forward}'s cluster options, what they start, and what the member counted. */
final class ClusterOptions {

  @Option(
      names = "--cluster",
      paramLabel = "NAME",
      description =
          "share templates with the other pe4j nodes of the cluster NAME (embedded Infinispan on"
              + " an encrypted JGroups channel; needs --cluster-secret): a call goes to one server"
              + " whichever node its datagrams reach")
  @Nullable String cluster;

  @Option(
      names = "--cluster-secret",
      paramLabel = "FILE",
      description =
          "the cluster's shared secret, a file of mode 0600: only nodes with the same secret and"
              + " cluster name can join, read or change the shared table")
  @Nullable Path clusterSecret;

  @Option(
      names = "--members",
      paramLabel = "HOST:PORT,...",
      split = ",",
      description = "the cluster's members to join (a fixed member list; no multicast)")
  List<String> members = new java.util.ArrayList<>();

  @Option(
      names = "--cluster-port",
      paramLabel = "PORT",
      description = "this node's member port (default 7800; failure detection uses PORT+100 too)")
  int clusterPort = 7800;

  @Option(
      names = "--cluster-host",
      paramLabel = "ADDRESS",
      description = "the address this node's member listens on, and only on (default 127.0.0.1)")
  String clusterHost = "127.0.0.1";

  @Option(
      names = "--cluster-wait-ms",
      paramLabel = "MS",
      description =
          "how long a new call's first datagram on this node is held while the cluster answers"
              + " which server the call has; past it the node decides alone (default: 200)")
  long clusterWaitMillis = Ipvs.DEFAULT_CLUSTER_WAIT_MILLIS;

  /** This node's member, once started. */
  private @Nullable ClusterMember member;

  /** The cluster's members as this node sees them now; empty without a cluster. */
  List<String> memberNames() {
    ClusterMember m = member;
    return m == null ? List.of() : m.memberNames();
  }

  /** Whether a cluster is asked for. */
  boolean on() {
    return cluster != null;
  }

  /**
   * Checks the options; returns the cluster's secret (null without a cluster).
   *
   * @throws IllegalArgumentException with the message for the operator
   */
  byte @Nullable [] secret() {
    if (cluster == null && !members.isEmpty()) {
      throw new IllegalArgumentException("--members needs --cluster NAME");
    }
    if (cluster == null) {
      return null;
    }
    if (clusterSecret == null) {
      throw new IllegalArgumentException(
          "--cluster needs --cluster-secret FILE (a shared secret, mode 0600):"
              + " without it anyone who reaches the cluster port could join");
    }
    try {
      return AdminServer.readSecret(clusterSecret);
    } catch (IOException e) {
      throw new IllegalArgumentException("--cluster-secret: " + e.getMessage(), e);
    }
  }

  /**
   * Sets the cluster wait on {@code builder}.
   *
   * @throws IllegalArgumentException for a wait out of range
   */
  void configure(Ipvs.Builder builder) {
    try {
      builder.clusterWait(java.time.Duration.ofMillis(clusterWaitMillis));
    } catch (IllegalArgumentException e) {
      throw new IllegalArgumentException("--cluster-wait-ms: " + e.getMessage(), e);
    }
  }

  /** Starts this node's member as the first of {@code parts}; its table backs {@code builder}. */
  void start(Parts parts, Ipvs.Builder builder, byte[] secret, PrintWriter out)
      throws Parts.PartFailed {
    String name = Objects.requireNonNull(cluster);
    Parts.Part<ClusterMember> part =
        new Parts.Part<>(
            "cluster " + name,
            () ->
                ClusterMember.builder(name)
                    .host(clusterHost)
                    .port(clusterPort)
                    .members(members)
                    .secret(secret)
                    .start(),
            ClusterMember::close);
    parts.start(part);
    ClusterMember m = part.get();
    member = m;
    builder.sharedTemplates(m.templates());
    out.println(
        "pe4j forward: member "
            + clusterHost
            + ":"
            + clusterPort
            + " of cluster "
            + name
            + " ("
            + m.size()
            + " members)");
  }

  /** The final statistics' cluster line. */
  void printCounts(Ipvs ipvs, Forwarder forwarder, PrintWriter out) {
    if (cluster == null) {
      return;
    }
    Ipvs.ClusterCounts c = ipvs.clusterCounts();
    ClusterMember m = member;
    out.println(
        "cluster: new calls offered "
            + c.offered()
            + ", answered in time "
            + c.answered()
            + ", decided alone "
            + c.alone()
            + ", overruled "
            + c.overruled()
            + ", held datagrams "
            + forwarder.stats().clusterHeld()
            + ", errors "
            + c.errors()
            + (m != null ? "; strangers' messages refused " + m.refused() : ""));
  }
}
