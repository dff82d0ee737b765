package io.pe4j.cli;

import com.google.common.net.HostAndPort;
import com.google.common.net.InetAddresses;
import io.pe4j.cluster.ClusterMember;
import io.pe4j.core.Ipvs;
import io.pe4j.core.IpvsadmException;
import io.pe4j.core.ipvsadm.Ipvsadm;
import io.pe4j.forwarder.AdminServer;
import io.pe4j.forwarder.Fatal;
import io.pe4j.forwarder.Forwarder;
import io.pe4j.forwarder.health.HealthCheck;
import io.pe4j.forwarder.health.HealthChecker;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.file.Path;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pe4j forward}: the forwarder, configured by an ipvsadm save file. */
@Command(
    name = "forward",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the UDP forwarder for the UDP services of a rules file (ipvsadm-save format).",
      "Prints its bounds, then 'ready' once every socket is bound; on SIGINT or SIGTERM prints"
          + " final statistics and exits 0. Exits 3 at once if the heap runs out."
    })
final class ForwardCommand implements Callable<Integer> {

  /**
   * Heap taken per template for the default bound: measured 296 bytes in the Caffeine store, 224 in
   * the table, with a 41-byte Call-ID (BENCHMARKS.md §16), rounded up for longer Call-IDs and the
   * connection tables.
   */
  static final long BYTES_PER_TEMPLATE = 512;

  /** Heap taken per session for the default bound: a Netty channel, its pipeline and buffers. */
  static final long BYTES_PER_SESSION = 8192;

  @Spec private CommandSpec spec = CommandSpec.create();

  @Option(
      names = "--rules",
      paramLabel = "FILE",
      description =
          "the rules, as ipvsadm -S writes them, with pe4j's check lines (this or --keepalived)")
  private Path rules = Path.of("");

  @Option(
      names = "--keepalived",
      paramLabel = "FILE",
      description =
          "the rules from a keepalived.conf: its virtual_server blocks, real servers and checks")
  private @Nullable Path keepalived;

  @Option(
      names = "--admin",
      paramLabel = "PATH",
      description =
          "listen for ipvsadm command lines on a Unix socket at PATH, mode 0600 (owner only)")
  private @Nullable Path admin;

  @Option(
      names = "--admin-tcp",
      paramLabel = "127.0.0.1:PORT",
      description = "listen on a loopback TCP port instead; needs --admin-secret")
  private @Nullable String adminTcp;

  @Option(
      names = "--admin-secret",
      paramLabel = "FILE",
      description = "the shared secret TCP admin clients send first (a file of mode 0600)")
  private @Nullable Path adminSecret;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "worker threads (default: the number of cores)")
  private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());

  @Option(
      names = "--max-templates",
      paramLabel = "N",
      description =
          "bound the template table (default: what half the heap holds at "
              + BYTES_PER_TEMPLATE
              + " bytes a template, at most 16,777,216)")
  private long maxTemplates;

  @Option(
      names = "--template-store",
      paramLabel = "caffeine|table",
      description =
          "where templates are kept: caffeine (default; a Caffeine cache with variable expiry) or"
              + " table (pe4j's own hash table and timer wheel: fewer bytes per template and per"
              + " new call, BENCHMARKS.md §16)")
  private String templateStore = "caffeine";

  @Option(
      names = "--max-sessions",
      paramLabel = "N",
      description =
          "bound the client sessions, one upstream socket each (default: 65,536, less where"
              + " the heap or the file-descriptor limit cannot hold that many)")
  private int maxSessions;

  @Option(
      names = "--share-port",
      description =
          "share the virtual addresses with other processes through SO_REUSEPORT (a cluster);"
              + " by default an address already served is refused")
  private boolean sharePort;

  @Option(
      names = "--cluster",
      paramLabel = "NAME",
      description =
          "share templates with the other pe4j nodes of the cluster NAME (embedded Infinispan on"
              + " an encrypted JGroups channel; needs --cluster-secret): a call goes to one server"
              + " whichever node its datagrams reach")
  private @Nullable String cluster;

  @Option(
      names = "--cluster-secret",
      paramLabel = "FILE",
      description =
          "the cluster's shared secret, a file of mode 0600: only nodes with the same secret and"
              + " cluster name can join, read or change the shared table")
  private @Nullable Path clusterSecret;

  @Option(
      names = "--members",
      paramLabel = "HOST:PORT,...",
      split = ",",
      description = "the cluster's members to join (a fixed member list; no multicast)")
  private List<String> members = new java.util.ArrayList<>();

  @Option(
      names = "--cluster-port",
      paramLabel = "PORT",
      description = "this node's member port (default 7800; failure detection uses PORT+100 too)")
  private int clusterPort = 7800;

  @Option(
      names = "--cluster-host",
      paramLabel = "ADDRESS",
      description = "the address this node's member listens on, and only on (default 127.0.0.1)")
  private String clusterHost = "127.0.0.1";

  @Option(
      names = "--cluster-wait-ms",
      paramLabel = "MS",
      description =
          "how long a new call's first datagram on this node is held while the cluster answers"
              + " which server the call has; past it the node decides alone (default: 200)")
  private long clusterWaitMillis = Ipvs.DEFAULT_CLUSTER_WAIT_MILLIS;

  @Option(
      names = "--source-address",
      paramLabel = "ADDRESS",
      description =
          "full NAT: send to the real servers from this address of the node's own (default: the"
              + " virtual address), so that replies come back to this node when several hosts"
              + " share the virtual address")
  private @Nullable String sourceAddress;

  @Option(
      names = "--mh-table-size",
      paramLabel = "PRIME",
      description =
          "Maglev table size of mh services (default 4,093; 65,537 with -b mh-pe); every node"
              + " of a cluster must use the same")
  private int mhTableSize;

  @Option(
      names = "--metrics",
      paramLabel = "HOST:PORT",
      description = "serve the metrics in the Prometheus text format at http://HOST:PORT/metrics")
  private @Nullable String metrics;

  @Option(
      names = "--drain-seconds",
      paramLabel = "N",
      description =
          "on SIGTERM or the admin line --drain: stop taking new clients (with --share-port the"
              + " kernel moves them to the other nodes), keep N seconds for replies in flight,"
              + " then exit 0 (default 0: exit at once)")
  private int drainSeconds;

  @Option(
      names = "--drain-idle-ms",
      paramLabel = "MS",
      description =
          "during a drain, a client whose last datagram was answered and quiet this long since is let"
              + " go to the other nodes (default 4000)")
  private long drainIdleMillis = 4000;

  @Option(
      names = "--transparent",
      description =
          "transparent mode (Linux, CAP_NET_ADMIN), as IPVS NAT: servers see each client's own"
              + " address and port; they must route replies through this host, whose TPROXY rule"
              + " hands them to --tproxy-port (check the setup with: pe4j doctor --transparent)")
  private boolean transparent;

  @Option(
      names = "--tproxy-port",
      paramLabel = "PORT",
      description = "with --transparent: the port the TPROXY rule delivers to (default 15060)")
  private int tproxyPort = DEFAULT_TPROXY_PORT;

  /** The port a TPROXY rule delivers servers' replies to, in transparent mode, by default. */
  static final int DEFAULT_TPROXY_PORT = 15060;

  @Option(
      names = "--warm-up",
      paramLabel = "N",
      description =
          "before 'ready', run N request/reply pairs through a private forwarder on loopback, so"
              + " that the JIT compiler has compiled the datagram path before traffic arrives"
              + " (default 0: none)")
  private int warmUp;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Fatal.haltOnOutOfMemory();
    // Load the logging and time-zone machinery now: when descriptors run out later, a first log
    // line would need to open files (tzdb.dat) and fail.
    System.getLogger("io.pe4j.forwarder").log(System.Logger.Level.DEBUG, "starting");
    var unused = java.time.ZonedDateTime.now().toString();
    if (adminTcp != null && adminSecret == null) {
      err.println("pe4j forward: --admin-tcp needs --admin-secret FILE (a shared secret)");
      return Pe4j.USAGE;
    }
    long heap = Runtime.getRuntime().maxMemory();
    long templates =
        maxTemplates > 0
            ? maxTemplates
            : Math.min(1L << 24, Math.max(1024, heap / 2 / BYTES_PER_TEMPLATE));
    if (rules.toString().isEmpty() == (keepalived == null)) {
      err.println("pe4j forward: give the rules: --rules FILE or --keepalived FILE (one of them)");
      return Pe4j.USAGE;
    }
    if (cluster == null && !members.isEmpty()) {
      err.println("pe4j forward: --members needs --cluster NAME");
      return Pe4j.USAGE;
    }
    byte[] secret = null;
    if (cluster != null) {
      if (clusterSecret == null) {
        err.println(
            "pe4j forward: --cluster needs --cluster-secret FILE (a shared secret, mode 0600):"
                + " without it anyone who reaches the cluster port could join");
        return Pe4j.USAGE;
      }
      try {
        secret = io.pe4j.forwarder.AdminServer.readSecret(clusterSecret);
      } catch (IOException e) {
        err.println("pe4j forward: --cluster-secret: " + e.getMessage());
        return Pe4j.USAGE;
      }
    }
    if (transparent && sourceAddress != null) {
      err.println(
          "pe4j forward: --source-address is for full NAT; in transparent mode servers see the"
              + " client's own address");
      return Pe4j.USAGE;
    }
    Ipvs.TemplateStoreKind store =
        switch (templateStore) {
          case "caffeine" -> Ipvs.TemplateStoreKind.CAFFEINE;
          case "table" -> Ipvs.TemplateStoreKind.TABLE;
          default -> null;
        };
    if (store == null) {
      err.println(
          "pe4j forward: --template-store: '" + templateStore + "' is not caffeine or table");
      return Pe4j.USAGE;
    }
    Ipvs.Builder builder = Ipvs.builder().maxTemplates(templates).templateStore(store);
    try {
      builder.clusterWait(java.time.Duration.ofMillis(clusterWaitMillis));
    } catch (IllegalArgumentException e) {
      err.println("pe4j forward: --cluster-wait-ms: " + e.getMessage());
      return Pe4j.USAGE;
    }
    try {
      if (mhTableSize != 0) {
        builder.schedulers(new io.pe4j.core.Schedulers().maglevTableSize(mhTableSize));
      }
    } catch (IllegalArgumentException e) {
      err.println("pe4j forward: --mh-table-size: " + e.getMessage());
      return Pe4j.USAGE;
    }
    try (Parts parts = new Parts()) {
      return run(builder, secret, templates, parts, out, err);
    } catch (Parts.PartFailed e) {
      err.println("pe4j forward: " + e.getMessage());
      return Pe4j.USAGE;
    }
  }

  /** Starts the node's parts in their order ({@link Parts}), runs until stopped, drains. */
  private int run(
      Ipvs.Builder builder,
      byte @Nullable [] secret,
      long templates,
      Parts parts,
      PrintWriter out,
      PrintWriter err)
      throws InterruptedException, IOException, Parts.PartFailed {
    ClusterMember member = null;
    if (cluster != null) {
      Parts.Part<ClusterMember> part =
          new Parts.Part<>(
              "cluster " + cluster,
              () ->
                  ClusterMember.builder(java.util.Objects.requireNonNull(cluster))
                      .host(clusterHost)
                      .port(clusterPort)
                      .members(members)
                      .secret(java.util.Objects.requireNonNull(secret))
                      .start(),
              ClusterMember::close);
      parts.start(part);
      member = part.get();
      builder.sharedTemplates(member.templates());
      out.println(
          "pe4j forward: member "
              + clusterHost
              + ":"
              + clusterPort
              + " of cluster "
              + cluster
              + " ("
              + member.size()
              + " members)");
    }
    clusterMember = member;
    return run(builder.build(), templates, parts, out, err);
  }

  /** This node's cluster member, when it has one (its counts go into the final statistics). */
  private @Nullable ClusterMember clusterMember;

  private int run(Ipvs ipvs, long templates, Parts parts, PrintWriter out, PrintWriter err)
      throws InterruptedException, IOException, Parts.PartFailed {
    long heap = Runtime.getRuntime().maxMemory();
    int sessions = maxSessions > 0 ? maxSessions : defaultSessions(heap);
    String text;
    List<HealthCheck> checks = new java.util.ArrayList<>();
    try {
      Path source = source();
      if (keepalived != null) {
        Keepalived.Translation t = Keepalived.translate(keepalived);
        for (String w : t.warnings()) {
          err.println("warning: " + w);
        }
        text = t.rules();
      } else {
        text = RulesFile.read(rules);
      }
      RulesFile.Rules parsed = RulesFile.split(source, text);
      checks.addAll(parsed.checks());
      Ipvsadm.execute(ipvs, List.of("-R"), parsed.ipvsadm());
      for (HealthCheck c : checks) {
        try {
          HealthChecker.checkTarget(ipvs, c); // a check of nothing is refused, not run
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
      }
    } catch (IOException e) {
      err.println(
          e.getMessage() != null && e.getMessage().startsWith(source().toString())
              ? e.getMessage()
              : source()
                  + ": cannot read: "
                  + e.getClass().getSimpleName()
                  + ": "
                  + e.getMessage());
      return Pe4j.USAGE;
    } catch (IpvsadmException e) {
      err.println(
          (keepalived != null ? keepalived + " (translated)" : rules) + ": " + e.getMessage());
      return Pe4j.USAGE;
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return Pe4j.USAGE;
    }
    if (warmUp > 0) {
      out.println(
          "pe4j forward: warm-up: "
              + io.pe4j.forwarder.Warmup.run(warmUp, threads, java.time.Duration.ofSeconds(30)));
    }
    CountDownLatch stop = new CountDownLatch(1);
    Signals.onTermination(stop::countDown);
    Parts.Part<Forwarder> sockets =
        new Parts.Part<>(
            "",
            () -> {
              Forwarder.Builder fb =
                  Forwarder.builder(ipvs)
                      .threads(threads)
                      .maxSessions(sessions)
                      .sharePort(sharePort)
                      .haltOnOutOfMemory(true);
              if (transparent) {
                fb.transparent(tproxyPort);
              }
              if (sourceAddress != null) {
                if (!InetAddresses.isInetAddress(sourceAddress)) {
                  throw new IllegalArgumentException(
                      "--source-address: '" + sourceAddress + "' is not an IP address");
                }
                fb.sourceAddress(InetAddresses.forString(sourceAddress));
              }
              return fb.build().start();
            },
            Forwarder::close);
    parts.start(sockets);
    Forwarder forwarder = sockets.get();
    boolean hasAdmin = admin != null || adminTcp != null;
    if (forwarder.boundAddresses().isEmpty() && !hasAdmin) {
      err.println(
          source()
              + ": no UDP virtual service with an address and a port: nothing to forward"
              + " (add services to the file, or start with --admin to add them later)");
      return Pe4j.USAGE;
    }
    Parts.Part<HealthChecker> health =
        new Parts.Part<>(
            "health checks",
            () -> {
              HealthChecker checker = new HealthChecker(ipvs);
              checks.forEach(checker::add);
              return checker;
            },
            HealthChecker::close);
    parts.start(health);
    HealthChecker checker = health.get();
    Parts.Part<AdminServer> adminPart =
        new Parts.Part<>(
            "admin endpoint",
            () -> {
              AdminServer a =
                  admin != null
                      ? AdminServer.unix(admin, ipvs, forwarder)
                      : AdminServer.tcp(
                          endpoint(java.util.Objects.requireNonNull(adminTcp)),
                          AdminServer.readSecret(java.util.Objects.requireNonNull(adminSecret)),
                          ipvs,
                          forwarder);
              a.healthChecker(checker);
              a.onDrain(stop::countDown);
              return a;
            },
            AdminServer::close);
    Parts.Part<MetricsEndpoint> metricsPart =
        new Parts.Part<>(
            "--metrics " + metrics,
            () ->
                MetricsEndpoint.start(
                    endpoint(java.util.Objects.requireNonNull(metrics)), ipvs, forwarder, checker),
            MetricsEndpoint::close);
    List<Parts.Part<?>> endpoints = new java.util.ArrayList<>();
    if (hasAdmin) {
      endpoints.add(adminPart);
    }
    if (metrics != null) {
      endpoints.add(metricsPart);
    }
    if (!endpoints.isEmpty()) {
      parts.start(endpoints.toArray(Parts.Part<?>[]::new));
    }
    AdminServer adminServer = hasAdmin ? adminPart.get() : null;
    MetricsEndpoint metricsEndpoint = metrics != null ? metricsPart.get() : null;
    out.println(
        String.format(
            Locale.ROOT,
            "pe4j forward: %d virtual services bound; at most %,d templates and %,d sessions"
                + " (heap %,d MB)%s",
            forwarder.boundAddresses().size(),
            templates,
            sessions,
            heap >> 20,
            (adminServer == null ? "" : "; admin endpoint " + adminServer.address())
                + (metricsEndpoint == null ? "" : "; metrics " + metricsEndpoint.url())));
    if (transparent) {
      out.println(
          "pe4j forward: transparent mode: servers see clients' addresses; their replies are"
              + " expected on TPROXY port "
              + tproxyPort
              + " (check the routing: pe4j doctor --transparent --tproxy-port "
              + tproxyPort
              + ")");
    }
    out.println("ready");
    out.flush();
    stop.await();
    if (drainSeconds > 0) {
      int kept = forwarder.drain();
      out.println(
          "draining: new clients go elsewhere; "
              + kept
              + " sessions kept "
              + drainSeconds
              + " s for replies in flight");
      out.flush();
      long until = System.nanoTime() + drainSeconds * 1_000_000_000L;
      java.time.Duration idle = java.time.Duration.ofMillis(drainIdleMillis);
      int left = Math.max(kept, forwarder.sessions()); // own sockets may still be connecting
      while (left > 0 && System.nanoTime() < until) {
        Thread.sleep(Math.max(5, drainIdleMillis / 4));
        left = forwarder.releaseIdle(idle);
      }
      out.println("drained: " + left + " sessions still active at the end");
    }
    parts.close();
    out.println("final statistics");
    out.print(forwarder.stats().render());
    if (cluster != null) {
      Ipvs.ClusterCounts c = ipvs.clusterCounts();
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
              + (clusterMember != null
                  ? "; strangers' messages refused " + clusterMember.refused()
                  : ""));
    }
    out.print(ipvs.ipvsadm("-Ln --stats"));
    if (!checks.isEmpty()) {
      out.println("health checks");
      out.print(checker.render());
    }
    out.flush();
    return 0;
  }

  private Path source() {
    Path k = keepalived;
    return k != null ? k : rules;
  }

  /** 65,536, or fewer where the heap (a quarter of it) or the descriptor limit holds fewer. */
  static int defaultSessions(long heap) {
    long byHeap = heap / 4 / BYTES_PER_SESSION;
    long byDescriptors = Long.MAX_VALUE;
    java.lang.management.OperatingSystemMXBean os =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      byDescriptors = unix.getMaxFileDescriptorCount() - 256; // sockets, jars, the admin endpoint
    }
    return (int) Math.max(16, Math.min(65_536, Math.min(byHeap, byDescriptors)));
  }

  /**
   * An address option's value: {@code ADDRESS:PORT}, an IPv6 address in brackets ({@code
   * [::1]:9100}); a literal address, never a name to resolve.
   */
  static InetSocketAddress endpoint(String hostPort) {
    HostAndPort hp;
    try {
      hp = HostAndPort.fromString(hostPort).requireBracketsForIPv6();
    } catch (IllegalArgumentException e) {
      hp = null;
    }
    if (hp == null || !hp.hasPort() || !InetAddresses.isInetAddress(hp.getHost())) {
      throw new IllegalArgumentException(
          "expected ADDRESS:PORT (an IPv6 address in brackets), got '" + hostPort + "'");
    }
    return new InetSocketAddress(InetAddresses.forString(hp.getHost()), hp.getPort());
  }
}
