package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.Protocol;
import io.pe4j.core.ipvsadm.Ipvsadm;
import io.pe4j.core.ipvsadm.IpvsadmTarget;
import java.security.SecureRandom;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * One IPVS director: virtual services, real servers, connection templates and connections, with the
 * kernel's semantics ({@code docs/ipvs-semantics.md}). Hosts call {@link #process} for every
 * datagram a client sends and {@link #processFromServer} for every datagram a real server sends,
 * and act on the {@link Verdict}.
 *
 * <p>A facade over rooms with one owner each, as the kernel splits IPVS: {@code PacketPath} (the
 * datagram's life, {@code ip_vs_core.c}), {@code TemplateTable} behind a {@code TemplateStore} and
 * {@code ConnectionTable} ({@code ip_vs_conn.c}), {@code ConfigPlane} (the single writer of
 * configuration, published immutably; {@code ip_vs_ctl.c}) and {@code SyncPeer} with its {@code
 * SyncMaster} thread ({@code ip_vs_sync.c}).
 *
 * <pre>{@code
 * Ipvs ipvs = Ipvs.builder().build();                       // engines found by ServiceLoader
 * ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 60 -M 0.0.0.0 -o --pe sip");
 * ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
 * Verdict v = ipvs.process(datagram);                       // FORWARD 192.168.10.1:5060
 * }</pre>
 *
 * <p>Thread-safe: any number of threads may process datagrams while another administers. A template
 * hit allocates nothing.
 */
public final class Ipvs implements IpvsadmTarget {

  private final Ticker ticker;
  private final PersistenceEngines engines;

  final TemplateTable templates;
  final ConnectionTable connections;
  final ConfigPlane config;

  final SyncPeer sync;
  private final PacketPath path;
  private final ReturnPath returnPath;

  private Ipvs(Builder b) {
    this.ticker = b.ticker;
    this.engines = b.engines != null ? b.engines : PersistenceEngines.installed();
    int seed = b.seed != null ? b.seed : new SecureRandom().nextInt();
    // the config plane is built after the template table that uses the codec: until then (a
    // cluster's event on another thread, say) the codec sees no service
    java.util.concurrent.atomic.AtomicReference<ConfigPlane> plane =
        new java.util.concurrent.atomic.AtomicReference<>();
    TemplateCodec codec =
        new TemplateCodec(
            this.engines,
            seed,
            () -> {
              ConfigPlane p = plane.get();
              return p == null ? Configuration.EMPTY : p.current();
            });
    this.templates =
        new TemplateTable(
            ticker,
            this.engines,
            b.maxTemplates,
            b.shared,
            codec,
            b.clusterWait.toNanos(),
            b.templateStore == TemplateStoreKind.TABLE);
    this.connections = new ConnectionTable(ticker, templates);
    this.config = new ConfigPlane(ticker, this.engines, b.schedulers, templates, connections);
    plane.set(config);
    this.sync = new SyncPeer(ticker, codec, templates, seed);
    this.path = new PacketPath(ticker, config, templates, connections, sync, seed);
    this.returnPath = new ReturnPath(ticker, config, templates, connections, path, seed);
  }

  /** The default {@link Builder#clusterWait cluster wait}, in milliseconds. */
  public static final long DEFAULT_CLUSTER_WAIT_MILLIS = 200;

  private static final java.time.Duration DEFAULT_CLUSTER_WAIT =
      java.time.Duration.ofMillis(DEFAULT_CLUSTER_WAIT_MILLIS);

  /**
   * Where a director keeps its connection templates. Both stores give the same semantics (exact
   * visibility, atomic creation, refresh on use, expiry once; checked by the same contract and the
   * 58 scenarios); they differ in cost.
   */
  public enum TemplateStoreKind {
    /**
     * The default: a Caffeine cache with variable expiry, its timer moved only when a template's
     * removal time leaves its ~1.07 s granule.
     */
    CAFFEINE,

    /**
     * pe4j's own striped hash table and timer wheel whose nodes are the templates: fewer bytes per
     * template and per new call (BENCHMARKS.md §16), for directors holding millions of templates or
     * creating tens of thousands a second.
     */
    TABLE
  }

  /**
   * Returns a builder: engines from ServiceLoader, the system ticker, 1,048,576 templates in the
   * {@linkplain TemplateStoreKind#CAFFEINE Caffeine store}.
   */
  public static Builder builder() {
    return new Builder();
  }

  /** Configures an {@link Ipvs}. */
  public static final class Builder {
    private Ticker ticker = Ticker.systemTicker();
    private @Nullable PersistenceEngines engines;
    private Schedulers schedulers = new Schedulers();
    private @Nullable Integer seed;
    private long maxTemplates = 1 << 20;
    private @Nullable SharedTemplates shared;
    private java.time.Duration clusterWait = DEFAULT_CLUSTER_WAIT;
    private TemplateStoreKind templateStore = TemplateStoreKind.CAFFEINE;

    private Builder() {}

    /** Sets where templates are kept (default {@link TemplateStoreKind#CAFFEINE}). */
    public Builder templateStore(TemplateStoreKind kind) {
      this.templateStore = Objects.requireNonNull(kind, "kind");
      return this;
    }

    /**
     * Sets how long a new call's first datagram on this director waits for the cluster's answer
     * before the director decides alone (default {@value #DEFAULT_CLUSTER_WAIT_MILLIS} ms): only
     * with {@link #sharedTemplates}. The datagram's thread never waits: the host holds the datagram
     * ({@link Verdict.Kind#WAIT}) and goes on.
     */
    public Builder clusterWait(java.time.Duration wait) {
      if (wait.isNegative() || wait.compareTo(java.time.Duration.ofSeconds(10)) > 0) {
        throw new IllegalArgumentException("the cluster wait must be 0 to 10 s: " + wait);
      }
      this.clusterWait = wait;
      return this;
    }

    /**
     * Shares this director's templates with other directors through {@code shared} (a cluster store
     * such as {@code pe4j-cluster}'s): a call whose datagrams reach several directors goes to one
     * real server, and outlives the director that created its template. Every director must load
     * the same rules. Template hits stay local; see {@link SharedTemplates}.
     */
    public Builder sharedTemplates(SharedTemplates shared) {
      this.shared = Objects.requireNonNull(shared);
      return this;
    }

    /**
     * Sets the clock, in nanoseconds as {@link System#nanoTime()} counts them (the default): a fake
     * clock makes every timeout testable to the nanosecond ({@code VirtualClock} in the core's
     * test-jar).
     */
    public Builder ticker(java.util.function.LongSupplier nanos) {
      Objects.requireNonNull(nanos, "nanos");
      this.ticker = nanos::getAsLong;
      return this;
    }

    /** Sets the engine registry (default: {@link PersistenceEngines#installed()}). */
    public Builder engines(PersistenceEngines engines) {
      this.engines = Objects.requireNonNull(engines);
      return this;
    }

    /** Sets the scheduler registry (default: the built-in schedulers). */
    public Builder schedulers(Schedulers schedulers) {
      this.schedulers = Objects.requireNonNull(schedulers);
      return this;
    }

    /** Fixes the hash seed passed to engines' {@code hashKey} (default: random per instance). */
    public Builder seed(int seed) {
      this.seed = seed;
      return this;
    }

    /**
     * Bounds the number of templates. When full, the oldest template that never became established
     * (one datagram, no reply, no connection) makes room, counted ({@link
     * VirtualService#templatesEvicted()}); if none can go, the key is scheduled without a template,
     * counted ({@link VirtualService#templatesRefused()}). An expired template leaves the count up
     * to about 1.07 s after its expiry (the template table's timer wheel turns once a granule;
     * cleaned up before refusing).
     */
    public Builder maxTemplates(long max) {
      if (max < 1) {
        throw new IllegalArgumentException("maxTemplates must be positive: " + max);
      }
      this.maxTemplates = max;
      return this;
    }

    /** Returns the director. */
    public Ipvs build() {
      return new Ipvs(this);
    }
  }

  // ---------------------------------------------------------------------------------------------
  // The datagram's path (spec §1.1, §3.3, §6.10): PacketPath

  /**
   * Decides what happens to a datagram a client sent: forward it to a real server, drop it, no
   * destination, or pass it untouched (no virtual service). Never throws on any datagram.
   */
  public Verdict process(Datagram d) {
    return path.process(d);
  }

  /**
   * Says what {@link #process} would do with {@code d} and why — the connection, the service, what
   * the engine extracted or why it did not, the template key, the template found, the verdict and
   * the port the datagram would be sent to — without doing it: the datagram's own path runs with
   * every change left out (nothing is created, refreshed, counted or scheduled), so explain and
   * process decide by the same code.
   */
  @Override
  public String explain(Datagram d) {
    return Trace.explain(path::dryRun, java.util.Objects.requireNonNull(d, "d"));
  }

  /**
   * Returns whether {@link #process} would create a connection template for {@code d} now: its
   * service is persistent and the director holds no connection and no live template for its key — a
   * new call, to a draining host. Changes nothing; costs a lookup and the engine's extraction.
   */
  public boolean wouldCreateTemplate(Datagram d) {
    return Trace.wouldCreateTemplate(path::dryRun, java.util.Objects.requireNonNull(d, "d"));
  }

  /**
   * Tells the core that the host could not send a UDP datagram it was given a verdict for (a full
   * session table, a socket that could not be opened, a failed send), so that {@code InPkts} and
   * {@code InBytes} ({@code OutPkts}/{@code OutBytes} for {@link Verdict.Kind#OUT}) count only what
   * was sent. Does nothing for other verdicts.
   *
   * @param payloadLength the datagram's UDP payload length
   */
  public void notSent(Verdict verdict, int payloadLength, boolean ipv6) {
    Counting.notSent(verdict, payloadLength, ipv6);
  }

  /**
   * Decides what happens to a datagram a real server sent to a client: a reply on a known
   * connection, or a server-originated datagram (a SIP BYE, re-INVITE or reply under OPS), which
   * the engine's {@code connOut} keys so that the Call-ID's template is refreshed or re-bound to
   * the sending server. Returns {@link Verdict.Kind#OUT} with the address and port to send from:
   * the virtual service when NATed, the server's own when it leaves un-NATed; {@link Verdict#PASS}
   * when no service or connection knows the sender.
   */
  public Verdict processFromServer(Datagram d) {
    return returnPath.processFromServer(d);
  }

  /**
   * Returns this director's sync peer (spec §7, {@code ipvsadm --start-daemon}): start or stop the
   * sync master, apply messages as a backup, and read the sync counters.
   */
  public SyncPeer sync() {
    return sync;
  }

  // ---------------------------------------------------------------------------------------------
  // Administration: the config plane is the single writer

  /**
   * Returns the config plane: services ({@code -A -E -D -C -Z}), real servers ({@code -a -e -d}),
   * timeouts ({@code --set}) and the sysctls {@code expire_quiescent_template} and {@code
   * expire_nodest_conn}; {@link #ipvsadm} takes the same as command lines.
   */
  @Override
  public ConfigPlane control() {
    return config;
  }

  /** Returns the service with that key, or null. */
  @Override
  public @Nullable VirtualService service(
      Protocol protocol, IpAddress address, int port, int fwmark) {
    return config.service(protocol, address, port, fwmark);
  }

  /** Returns the virtual services in creation order. */
  @Override
  public List<VirtualService> services() {
    ServiceConfig[] table = config.current().services;
    VirtualService[] out = new VirtualService[table.length];
    for (int i = 0; i < out.length; i++) {
      out[i] = table[i].service();
    }
    return List.of(out);
  }

  /** Returns the engine registry. */
  public PersistenceEngines engines() {
    return engines;
  }

  /** Returns the datagrams dropped because their connection's server was deleted (spec §3.7). */
  public long destinationUnavailableDrops() {
    return path.destinationUnavailableDrops();
  }

  /** Returns the number of templates, invalidated ones included. */
  public long templateCount() {
    return templates.count();
  }

  /** Returns how many templates were created since start, synced ones included. */
  public long templatesCreated() {
    return templates.totals()[0];
  }

  /** Returns how many templates left the table since start: expired, evicted or removed. */
  public long templatesRemoved() {
    return templates.totals()[1];
  }

  /** Returns how many operations on the shared template table failed (0 without one). */
  public long sharedTemplateErrors() {
    return templates.sharedErrors();
  }

  /**
   * Returns whether this director shares its templates with a cluster ({@link
   * Builder#sharedTemplates}).
   */
  public boolean isClustered() {
    return templates.shared();
  }

  /**
   * Returns what became of the new calls this director offered to the cluster: how many were
   * offered, answered in time, decided alone (no answer within the cluster wait, or the cluster
   * failed), and decided alone then overruled by the cluster's answer (a call that may have split;
   * never with {@code mh-pe}); zeros without shared templates.
   */
  public ClusterCounts clusterCounts() {
    long[] c = templates.offerCounts();
    return new ClusterCounts(c[0], c[1], c[2], c[3], templates.sharedErrors());
  }

  /**
   * What became of the new calls a director offered to its cluster.
   *
   * @param offered new calls offered
   * @param answered answered within the cluster wait
   * @param alone decided by this director alone (no answer in time, or the cluster failed)
   * @param overruled decided alone, then bound to the cluster's other choice
   * @param errors operations on the shared table that failed
   */
  public record ClusterCounts(
      long offered, long answered, long alone, long overruled, long errors) {}

  /** Stops the director's own background work (the cluster wait's timer). */
  public void close() {
    templates.close();
  }

  /** Returns the number of connection entries (OPS datagrams create none). */
  public long connectionCount() {
    return connections.count();
  }

  /** Returns the current time of the director's ticker, in nanoseconds. */
  @Override
  public long now() {
    return ticker.read();
  }

  /** Runs pending expiry so that counters and listings reflect the current time. */
  @Override
  public void cleanUp() {
    connections.cleanUp();
    templates.cleanUp();
  }

  /** Returns the connection timeouts ({@code ipvsadm -L --timeout}). */
  @Override
  public Timeouts timeouts() {
    return config.timeouts();
  }

  /**
   * Runs one ipvsadm command line against this director and returns what ipvsadm prints (empty for
   * commands that print nothing); see {@link Ipvsadm}.
   *
   * @throws IpvsadmException with ipvsadm's message on a bad command line
   */
  public String ipvsadm(String commandLine) {
    return Ipvsadm.execute(this, commandLine);
  }

  /**
   * Returns the connection table, templates then connections, as a view read when iterated: each
   * row is made when the iteration reaches it, so memory stays bounded by the table, not by what a
   * listing prints. Runs pending expiry first.
   */
  @Override
  public Iterable<ConnectionEntry> connectionEntries() {
    cleanUp();
    long now = now();
    List<Template> t = templates.snapshot();
    List<Connection> c = connections.snapshot(now);
    return () ->
        java.util.stream.Stream.concat(
                t.stream().map(x -> ConnectionEntry.of(x, now)),
                c.stream().map(x -> ConnectionEntry.of(x, now)))
            .iterator();
  }
}
