package io.pe4j.cli;

import com.google.common.net.InetAddresses;
import io.pe4j.core.Ipvs;
import io.pe4j.forwarder.Fatal;
import io.pe4j.forwarder.Forwarder;
import io.pe4j.forwarder.health.HealthCheck;
import io.pe4j.forwarder.health.HealthChecker;
import java.io.IOException;
import java.io.PrintWriter;
import java.util.List;
import java.util.Locale;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Mixin;
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

  @Spec private CommandSpec spec = CommandSpec.create();

  @Mixin private ClusterOptions cluster = new ClusterOptions();

  @Mixin private DrainOptions drain = new DrainOptions();

  @Mixin private EndpointOptions endpoints = new EndpointOptions();

  /** What SIGHUP does: nothing until the forwarder is ready, then a reload. */
  private final java.util.concurrent.atomic.AtomicReference<Runnable> hangup =
      new java.util.concurrent.atomic.AtomicReference<>(
          () -> System.err.println("pe4j forward: SIGHUP before ready: ignored"));

  @Mixin private RulesOptions rules = new RulesOptions();

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
              + ForwardBounds.BYTES_PER_TEMPLATE
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
      names = "--transport",
      paramLabel = "epoll|io_uring|nio",
      description =
          "the socket layer (default: epoll where Netty's native library loads, else nio;"
              + " io_uring on Linux 5.14+, without --transparent)")
  private @Nullable String transport;

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

  /**
   * Round trips of the default warm-up: what kept the step from 20,000 to 60,000 datagrams/s free
   * of loss on this code (BENCHMARKS.md §12–§14; 2–7 s before ready).
   */
  static final int DEFAULT_WARM_UP = 50_000;

  @Option(
      names = "--warm-up",
      paramLabel = "N",
      description =
          "before 'ready' (and systemd's READY=1), run N request/reply pairs through a private"
              + " forwarder on loopback, so that the JIT compiler has compiled the datagram path"
              + " before traffic arrives (default "
              + DEFAULT_WARM_UP
              + ", 2-7 s; 0: start at once)")
  private int warmUp = DEFAULT_WARM_UP;

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Fatal.haltOnOutOfMemory();
    NettyDefaults.quietLeakDetection();
    // SIGHUP reloads the rules (a closed terminal or systemctl reload must not kill the balancer);
    // until the forwarder is ready it is ignored
    Signals.onHangup(() -> java.util.Objects.requireNonNull(hangup.get()).run());
    // Load the logging and time-zone machinery now: when descriptors run out later, a first log
    // line would need to open files (tzdb.dat) and fail.
    System.getLogger("io.pe4j.forwarder").log(System.Logger.Level.DEBUG, "starting");
    var unused = java.time.ZonedDateTime.now().toString();
    String endpointProblem = endpoints.problem();
    if (endpointProblem != null) {
      err.println("pe4j forward: " + endpointProblem);
      return Pe4j.USAGE;
    }
    long heap = Runtime.getRuntime().maxMemory();
    long templates = maxTemplates > 0 ? maxTemplates : ForwardBounds.defaultTemplates(heap);
    String rulesProblem = rules.problem();
    if (rulesProblem != null) {
      err.println("pe4j forward: " + rulesProblem);
      return Pe4j.USAGE;
    }
    byte[] secret;
    try {
      secret = cluster.secret();
    } catch (IllegalArgumentException e) {
      err.println("pe4j forward: " + e.getMessage());
      return Pe4j.USAGE;
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
      cluster.configure(builder);
    } catch (IllegalArgumentException e) {
      err.println("pe4j forward: " + e.getMessage());
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
    if (secret != null) {
      cluster.start(parts, builder, secret, out);
    }
    return run(builder.build(), templates, parts, out, err);
  }

  private int run(Ipvs ipvs, long templates, Parts parts, PrintWriter out, PrintWriter err)
      throws InterruptedException, IOException, Parts.PartFailed {
    try (ServiceManager systemd = new ServiceManager(System.getenv())) {
      return run(ipvs, templates, parts, systemd, out, err);
    }
  }

  private int run(
      Ipvs ipvs,
      long templates,
      Parts parts,
      ServiceManager systemd,
      PrintWriter out,
      PrintWriter err)
      throws InterruptedException, IOException, Parts.PartFailed {
    long heap = Runtime.getRuntime().maxMemory();
    int sessions = maxSessions > 0 ? maxSessions : ForwardBounds.defaultSessions(heap);
    List<HealthCheck> checks;
    try {
      checks = RulesFile.load(ipvs, rules.source(), rules.isKeepalived(), err);
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return Pe4j.USAGE;
    }
    if (warmUp < 0) {
      err.println("pe4j forward: --warm-up: " + warmUp + " is not 0 or more");
      return Pe4j.USAGE;
    }
    Forwarder.Builder fb =
        Forwarder.builder(ipvs)
            .threads(threads)
            .maxSessions(sessions)
            .sharePort(sharePort)
            .haltOnOutOfMemory(true);
    try { // refused before the warm-up, not after it
      if (transport != null) {
        fb.transport(transport);
      }
      if (sourceAddress != null) {
        if (!InetAddresses.isInetAddress(sourceAddress)) {
          throw new IllegalArgumentException(
              "--source-address: '" + sourceAddress + "' is not an IP address");
        }
        fb.sourceAddress(InetAddresses.forString(sourceAddress));
      }
    } catch (IllegalArgumentException e) {
      err.println("pe4j forward: " + e.getMessage());
      return Pe4j.USAGE;
    }
    if (transparent) {
      fb.transparent(tproxyPort);
    }
    if (warmUp > 0) {
      systemd.status("warming up: " + warmUp + " round trips through a private forwarder");
      out.println(
          "pe4j forward: warm-up: "
              + io.pe4j.forwarder.Warmup.run(
                  warmUp, threads, java.time.Duration.ofSeconds(30), transport));
    }
    CountDownLatch stop = new CountDownLatch(1);
    Signals.onTermination(stop::countDown);
    Parts.Part<Forwarder> sockets =
        new Parts.Part<>("", () -> fb.build().start(), Forwarder::close);
    parts.start(sockets);
    Forwarder forwarder = sockets.get();
    if (forwarder.boundAddresses().isEmpty() && !endpoints.hasAdmin()) {
      err.println(
          rules.source()
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
    Reload reload = new Reload(ipvs, rules.source(), rules.isKeepalived(), checker);
    EndpointOptions.Started started =
        endpoints.start(
            parts,
            ipvs,
            forwarder,
            checker,
            stop::countDown,
            () -> systemd.reload(reload::run),
            cluster::memberNames);
    out.println(
        String.format(
            Locale.ROOT,
            "pe4j forward: %d virtual services bound on %s; at most %,d templates and %,d sessions"
                + " (heap %,d MB)%s",
            forwarder.boundAddresses().size(),
            forwarder.transport(),
            templates,
            sessions,
            heap >> 20,
            started.describe()));
    if (transparent) {
      out.println(
          "pe4j forward: transparent mode: servers see clients' addresses; their replies are"
              + " expected on TPROXY port "
              + tproxyPort
              + " (check the routing: pe4j doctor --transparent --tproxy-port "
              + tproxyPort
              + ")");
    }
    hangup.set(
        () -> {
          String r = systemd.reload(reload::run);
          synchronized (out) {
            out.print(r);
            out.flush();
          }
        });
    out.println("ready");
    out.flush();
    systemd.ready(
        "forwarding " + forwarder.boundAddresses().size() + " virtual services", forwarder);
    stop.await();
    systemd.stopping(
        drain.drainSeconds > 0 ? "draining for " + drain.drainSeconds + " s" : "stopping");
    drain.drain(forwarder, out);
    parts.close();
    out.println("final statistics");
    out.print(forwarder.stats().render());
    cluster.printCounts(ipvs, forwarder, out);
    out.println("reloads: " + reload.done() + " applied, " + reload.failed() + " refused");
    out.print(ipvs.ipvsadm("-Ln --stats"));
    if (!checks.isEmpty()) {
      out.println("health checks");
      out.print(checker.render());
    }
    out.flush();
    return 0;
  }
}
