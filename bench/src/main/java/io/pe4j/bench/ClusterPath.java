package io.pe4j.bench;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import io.pe4j.cluster.ClusterMember;
import io.pe4j.core.Ipvs;
import io.pe4j.core.Verdict;
import java.nio.ByteBuffer;
import java.util.List;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Level;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.TearDown;
import org.openjdk.jmh.annotations.Warmup;

/**
 * The per-datagram cost with the node-local template store against the cluster store (a director on
 * the first of two cluster members in this JVM, talking over loopback): {@code hit} is a datagram
 * of one of 100,000 live calls this node has seen (a local hit: the cluster store answers from its
 * node-local tier and touches the shared record at most once a second, on another thread); {@code
 * newCall} is a new Call-ID: the datagram gets WAIT, the cluster's answer to the offer (put if
 * absent; about half of the keys live on the other member) settles it, and it is processed again —
 * the time from a new call's first datagram to its verdict, the benchmark thread waiting where a
 * forwarder's event loop would go on with other datagrams.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms2g", "-Xmx2g"})
public class ClusterPath {

  static final int CALLS = 100_000;
  static final int POOL = 1 << 16;
  static final IpAddress VIP = IpAddress.parse("10.4.3.192");

  @Param({"caffeine", "cluster"})
  public String store = "caffeine";

  Ipvs ipvs = Ipvs.builder().build();
  @Nullable ClusterMember first;
  @Nullable ClusterMember second;
  Datagram[] hits = new Datagram[0];
  int next;
  final Datagram miss = new Datagram();
  long missCounter;
  final IpAddress client = IpAddress.parse("198.51.100.10");

  @Setup(Level.Trial)
  public void setUp() {
    Ipvs.Builder b = Ipvs.builder().seed(42).maxTemplates(1L << 24);
    if (store.equals("cluster")) {
      int base = 16_000 + (int) (ProcessHandle.current().pid() % 1000) * 2;
      List<String> members = List.of("127.0.0.1:" + base, "127.0.0.1:" + (base + 1));
      byte[] secret = "pe4j-bench".getBytes(java.nio.charset.StandardCharsets.UTF_8);
      first =
          ClusterMember.builder("pe4j-bench").port(base).members(members).secret(secret).start();
      second =
          ClusterMember.builder("pe4j-bench")
              .port(base + 1)
              .members(members)
              .secret(secret)
              .start();
      b.sharedTemplates(first.templates());
    }
    ipvs = b.build();
    // hits on :5060 (templates live through the run); new calls on :5061 with -p 5, so that they
    // expire and the tables keep their size
    ipvs.ipvsadm("-A -u 10.4.3.192:5060 -s rr -p 3600 -M 0.0.0.0 -o --pe sip");
    ipvs.ipvsadm("-A -u 10.4.3.192:5061 -s rr -p 5 -M 0.0.0.0 -o --pe sip");
    for (int port : new int[] {5060, 5061}) {
      for (int n = 1; n <= 3; n++) {
        ipvs.ipvsadm("-a -u 10.4.3.192:" + port + " -r 192.168.10." + n + ":" + port + " -m");
      }
    }
    Datagram d = new Datagram();
    for (int i = 0; i < CALLS; i++) {
      byte[] p = Messages.invite(i);
      d.set(Protocol.UDP, client, 5060, VIP, 5060).payload(ByteBuffer.wrap(p), 0, p.length);
      if (settled(ipvs, d).kind() != Verdict.Kind.FORWARD) {
        throw new IllegalStateException("population failed at " + i);
      }
    }
    Random random = new Random(42);
    hits = new Datagram[POOL];
    for (int k = 0; k < POOL; k++) {
      byte[] p = Messages.invite(random.nextInt(CALLS));
      hits[k] =
          new Datagram()
              .set(Protocol.UDP, client, 5060, VIP, 5060)
              .payload(ByteBuffer.wrap(p), 0, p.length);
    }
  }

  @TearDown(Level.Trial)
  public void tearDown() {
    for (ClusterMember m : new ClusterMember[] {first, second}) {
      if (m != null) {
        m.close();
      }
    }
  }

  /** A datagram of a call this node has seen: a local hit. */
  @Benchmark
  public Verdict hit() {
    Datagram d = hits[next++ & (POOL - 1)];
    return ipvs.process(d);
  }

  /** A new call's first datagram: scheduled and created (in the cluster: get, putIfAbsent). */
  @Benchmark
  public Verdict newCall() {
    byte[] p = Messages.invite(1_000_000_000 + (int) (missCounter++ & 0x3fff_ffff));
    miss.set(Protocol.UDP, client, 5060, VIP, 5061).payload(ByteBuffer.wrap(p), 0, p.length);
    return settled(ipvs, miss);
  }

  /** Processes {@code d}; a WAIT is waited for and processed again. */
  static Verdict settled(Ipvs ipvs, Datagram d) {
    Verdict v = ipvs.process(d);
    if (v.kind() == Verdict.Kind.WAIT) {
      v.settled().toCompletableFuture().join();
      v = ipvs.process(d);
    }
    return v;
  }
}
