package io.pe4j.bench;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Expiry;
import com.github.benmanes.caffeine.cache.Ticker;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeData;
import io.pe4j.api.Protocol;
import io.pe4j.core.Ipvs;
import io.pe4j.core.Verdict;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.Random;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
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
import org.openjdk.jmh.annotations.Warmup;
import org.openjdk.jmh.infra.BenchmarkParams;

/**
 * The per-datagram path through the core with the seed's service line ({@code -s rr -p ... -M
 * 0.0.0.0 -o --pe sip}): extract the Call-ID, look the template up, refresh it, return the verdict
 * — at 1 thousand to 10 million live templates. {@code hit} probes 65,536 random live Call-IDs;
 * {@code miss} sends a new Call-ID each time (scheduled, template created; these expire after 1 s
 * of the benchmark's clock, so the table stays at its size); {@code caffeineGetIfPresent} is raw
 * Caffeine on the same key set with the same kind of variable expiry, the reference.
 */
@State(Scope.Benchmark)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms12g", "-Xmx12g"})
public class TemplatePath {

  static final int POOL = 1 << 16;
  static final IpAddress VIP = IpAddress.parse("10.4.3.192");

  @Param({"1000", "100000", "1000000", "10000000"})
  public int templates = 1000;

  /**
   * Whether all threads probe the same calls ({@code true}) or each its own share of them, as the
   * forwarder's event loops do: a call's datagrams come from one client socket, which {@code
   * SO_REUSEPORT} keeps on one loop. With a shared pool, a refresh on one core invalidates the
   * lines the other core is about to read.
   */
  @Param({"true"})
  public boolean shared = true;

  /** The template store: {@code CAFFEINE} (the default) or {@code TABLE}. */
  @Param({"CAFFEINE", "TABLE"})
  public Ipvs.TemplateStoreKind store = Ipvs.TemplateStoreKind.CAFFEINE;

  /**
   * The real clock plus what the benchmark adds, so that miss templates expire: each hit refreshes
   * its template to a later time, as on the wire (a frozen clock would leave the table's timer
   * wheel where it was).
   */
  static final class ManualTicker implements Ticker {
    final AtomicLong nanos = new AtomicLong();
    final long start = System.nanoTime();

    @Override
    public long read() {
      return nanos.get() + (System.nanoTime() - start);
    }
  }

  final ManualTicker ticker = new ManualTicker();
  Ipvs ipvs = Ipvs.builder().build();
  byte[][] hitPayloads = new byte[0][];
  Cache<PeData, Boolean> caffeine = Caffeine.newBuilder().build();
  PeData[] caffeineKeys = new PeData[0];

  @Setup(Level.Trial)
  public void populate(BenchmarkParams params) {
    boolean reference =
        params.getBenchmark().toLowerCase(java.util.Locale.ROOT).endsWith("caffeinegetifpresent");
    ipvs =
        Ipvs.builder()
            .ticker(ticker::read)
            .maxTemplates(templates + (1L << 22))
            .seed(42)
            .templateStore(store)
            .build();
    ipvs.ipvsadm("-A -u 10.4.3.192:5060 -s rr -p 2678400 -M 0.0.0.0 -o --pe sip");
    ipvs.ipvsadm("-A -u 10.4.3.192:5061 -s rr -p 1 -M 0.0.0.0 -o --pe sip");
    for (int port : new int[] {5060, 5061}) {
      for (int n = 1; n <= 3; n++) {
        ipvs.ipvsadm("-a -u 10.4.3.192:" + port + " -r 192.168.10." + n + ":" + port + " -m");
      }
    }
    Datagram d = new Datagram();
    IpAddress client = IpAddress.parse("198.51.100.10");
    for (int i = 0; !reference && i < templates; i++) {
      byte[] p = Messages.invite(i);
      d.set(Protocol.UDP, client, 5060, VIP, 5060).payload(ByteBuffer.wrap(p), 0, p.length);
      if (ipvs.process(d).kind() != Verdict.Kind.FORWARD) {
        throw new IllegalStateException("population failed at " + i);
      }
    }
    if (!reference && ipvs.templateCount() != templates) {
      throw new IllegalStateException(ipvs.templateCount() + " templates, not " + templates);
    }
    caffeine =
        Caffeine.newBuilder()
            .ticker(ticker::read)
            .expireAfter(
                new Expiry<PeData, Boolean>() {
                  @Override
                  public long expireAfterCreate(PeData k, Boolean v, long now) {
                    return TimeUnit.DAYS.toNanos(31);
                  }

                  @Override
                  public long expireAfterUpdate(PeData k, Boolean v, long now, long current) {
                    return current;
                  }

                  @Override
                  public long expireAfterRead(PeData k, Boolean v, long now, long current) {
                    return current;
                  }
                })
            .build();
    for (int i = 0; reference && i < templates; i++) {
      caffeine.put(PeData.of(Messages.callId(i).getBytes(StandardCharsets.US_ASCII)), Boolean.TRUE);
    }
    Random random = new Random(42);
    hitPayloads = new byte[POOL][];
    caffeineKeys = new PeData[POOL];
    for (int k = 0; k < POOL; k++) {
      int id = random.nextInt(templates);
      hitPayloads[k] = Messages.invite(id);
      caffeineKeys[k] = PeData.of(Messages.callId(id).getBytes(StandardCharsets.US_ASCII));
    }
  }

  /** Each thread's own datagram views (a host keeps one flyweight per thread). */
  @State(Scope.Thread)
  public static class PerThread {
    Datagram[] hits = new Datagram[0];
    int next;
    final Datagram miss = new Datagram();
    final io.pe4j.api.ConnParam param = new io.pe4j.api.ConnParam();
    byte[] missBytes = new byte[0];
    int missDigits;
    long missCounter;

    PeData[] keys = new PeData[0];

    @Setup(Level.Trial)
    public void setUp(TemplatePath b, org.openjdk.jmh.infra.ThreadParams threads) {
      hits = new Datagram[POOL];
      keys = b.caffeineKeys;
      Random random = new Random(Thread.currentThread().getId());
      byte[][] payloads = b.hitPayloads;
      if (!b.shared) { // this thread's share: a range of calls, created together in memory
        int count = threads.getThreadCount();
        int index = threads.getThreadIndex();
        Random pick = new Random(42 + index);
        payloads = new byte[POOL][];
        keys = new PeData[POOL];
        for (int k = 0; k < POOL; k++) {
          int share = b.templates / count;
          int id = index * share + pick.nextInt(share);
          payloads[k] = Messages.invite(id);
          keys[k] = PeData.of(Messages.callId(id).getBytes(StandardCharsets.US_ASCII));
        }
      }
      for (int k = 0; k < POOL; k++) {
        byte[] p = payloads[k];
        hits[k] =
            new Datagram()
                .set(
                    Protocol.UDP,
                    IpAddress.ofIpv4(random.nextInt()),
                    1024 + random.nextInt(60000),
                    VIP,
                    5060)
                .payload(ByteBuffer.wrap(p), 0, p.length);
      }
      missBytes = Messages.invite(0xf000_0000_0000_0000L + (Thread.currentThread().getId() << 40));
      missDigits = new String(missBytes, StandardCharsets.US_ASCII).indexOf("Call-ID: ") + 9;
      missCounter = Thread.currentThread().getId() << 40;
      miss.set(Protocol.UDP, IpAddress.parse("198.51.100.77"), 5060, VIP, 5061)
          .payload(ByteBuffer.wrap(missBytes), 0, missBytes.length);
    }
  }

  @Benchmark
  public Verdict hit(PerThread t) {
    return ipvs.process(t.hits[t.next++ & (POOL - 1)]);
  }

  @Benchmark
  public Verdict miss(PerThread t) {
    long id = ++t.missCounter;
    byte[] b = t.missBytes;
    for (int i = 15; i >= 0; i--, id >>>= 4) {
      b[t.missDigits + i] = (byte) Character.forDigit((int) (id & 15), 16);
    }
    if ((t.missCounter & 1023) == 0) {
      ticker.nanos.addAndGet(
          1_100_000_000L); // miss templates (-p 1) expire; the table keeps its size
    }
    return ipvs.process(t.miss);
  }

  /**
   * The floor of a hit (#18 target 4): the same Call-ID extraction by the sip engine from the same
   * datagram, then one raw Caffeine {@code getIfPresent} of that Call-ID's (pre-built) key.
   */
  @Benchmark
  public @Nullable Boolean extractThenCaffeineGetIfPresent(PerThread t) {
    int k = t.next++ & (POOL - 1);
    SIP.fillParam(t.param, t.hits[k]);
    return caffeine.getIfPresent(t.keys[k]);
  }

  private static final io.pe4j.api.PersistenceEngine SIP = new io.pe4j.engine.sip.SipEngine();

  @Benchmark
  public @Nullable Boolean caffeineGetIfPresent(PerThread t) {
    return caffeine.getIfPresent(caffeineKeys[t.next++ & (POOL - 1)]);
  }
}
