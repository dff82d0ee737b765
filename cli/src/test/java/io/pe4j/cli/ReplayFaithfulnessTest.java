package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.cli.capture.CaptureSource;
import io.pe4j.core.Ipvs;
import io.pe4j.forwarder.Forwarder;
import java.io.IOException;
import java.net.DatagramPacket;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The replay is faithful: the per-server datagram counts of {@code pe4j replay} equal what a real
 * {@link Forwarder} did with the same datagrams sent on loopback, one after the other, its core's
 * clock set to each datagram's capture time (real time would compress a capture's hours into
 * seconds, and templates that expire in the capture would not expire in the live run: the one
 * effect of real time, taken out so that the comparison is exact). On a generated capture of 2,000
 * calls with {@code -s rr -p 60 --pe sip} over three servers; the control: the same datagrams
 * without the engine ({@code -p 60} alone, one client address per call source) give other counts,
 * which the replay predicts too.
 */
class ReplayFaithfulnessTest {

  @TempDir Path dir;

  /** Three UDP servers that count what they receive. */
  private static final class Sinks implements AutoCloseable {
    final List<DatagramSocket> sockets = new ArrayList<>();
    final List<AtomicLong> counts = new ArrayList<>();

    Sinks(int n) throws IOException {
      for (int i = 0; i < n; i++) {
        AtomicLong count = new AtomicLong();
        DatagramSocket s =
            Loopback.udpServer(
                datagram -> {
                  count.incrementAndGet();
                  return null; // counted, not answered
                });
        s.setReceiveBufferSize(4 << 20);
        sockets.add(s);
        counts.add(count);
      }
    }

    @Override
    public void close() {
      sockets.forEach(DatagramSocket::close);
    }
  }

  /**
   * Sends the capture's datagrams through a forwarder, one at a time: its core's clock is set to
   * each datagram's capture time before it is sent, and the next waits until the forwarder has
   * taken it — so that what the capture's time does (templates that expire) happens here too.
   * Datagrams of another address family than the service's are not sent (a balancer on an IPv4
   * address never gets them; the replay counts them apart). Returns "127.0.0.1:PORT" to count.
   */
  static Map<String, Long> live(Path capture, Path rules, int vport, Sinks sinks) throws Exception {
    AtomicLong clock = new AtomicLong(1_000_000_000L);
    Ipvs ipvs = Ipvs.builder().ticker(clock::get).seed(1).build();
    RulesFile.load(ipvs, rules, false, new java.io.PrintWriter(new java.io.StringWriter()));
    long sent = 0;
    long first = Long.MIN_VALUE;
    long now = 0;
    Map<String, DatagramSocket> clients = new HashMap<>();
    try (Forwarder f = Forwarder.builder(ipvs).threads(1).build().start();
        CaptureSource source = CaptureSource.open(List.of(capture))) {
      InetSocketAddress vip = new InetSocketAddress("127.0.0.1", vport);
      for (CaptureSource.Packet p; (p = source.next()) != null; ) {
        if (p.source().length != 4) {
          continue;
        }
        if (first == Long.MIN_VALUE) {
          first = p.timeNanos();
        }
        now = Math.max(now, p.timeNanos() - first);
        clock.set(1_000_000_000L + now);
        // one loopback socket per captured client address and port: the forwarder's client
        String client = java.util.Arrays.toString(p.source()) + ":" + p.sourcePort();
        DatagramSocket s = clients.get(client);
        if (s == null) {
          s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
          clients.put(client, s);
        }
        s.send(new DatagramPacket(p.payload().array(), p.payloadLength(), vip));
        sent++;
        long until = System.nanoTime() + 2_000_000_000L;
        // taken, decided and sent (or dropped): the decision was made at this datagram's time
        while (f.stats().forwarded() + dropped(f) < sent) {
          assertTrue(System.nanoTime() < until, "the forwarder did not take datagram " + sent);
          Thread.onSpinWait();
        }
      }
      // every datagram accounted for (a send is counted when it completes), then all received
      long until = System.nanoTime() + 10_000_000_000L;
      while (System.nanoTime() < until
          && (f.stats().forwarded() + dropped(f) < sent || total(sinks) < f.stats().forwarded())) {
        Thread.sleep(20);
      }
      assertEquals(sent, f.stats().forwarded() + dropped(f), f.stats().render());
      assertEquals(
          f.stats().forwarded(), total(sinks), "the servers did not get what was forwarded");
    } finally {
      clients.values().forEach(DatagramSocket::close);
    }
    Map<String, Long> out = new TreeMap<>();
    for (int i = 0; i < sinks.sockets.size(); i++) {
      out.put("127.0.0.1:" + sinks.sockets.get(i).getLocalPort(), sinks.counts.get(i).get());
    }
    return out;
  }

  private static long dropped(Forwarder f) {
    return f.stats().drops().values().stream().mapToLong(Long::longValue).sum();
  }

  private static long total(Sinks sinks) {
    return sinks.counts.stream().mapToLong(AtomicLong::get).sum();
  }

  /** The replay's datagrams per server, from its report. */
  static Map<String, Long> replayed(Path capture, Path rules, int vport) {
    CliTest.Run r =
        CliTest.run(
            "replay",
            "--pcap",
            capture.toString(),
            "--rules",
            rules.toString(),
            "--service",
            "127.0.0.1:" + vport);
    assertEquals(0, r.code(), r.err());
    System.out.print(r.out());
    Map<String, Long> out = new TreeMap<>();
    Matcher m =
        Pattern.compile("(127\\.0\\.0\\.1:\\d+) +\\d+ +[\\d.]+% +([\\d,]+) ").matcher(r.out());
    while (m.find()) {
      out.put(m.group(1), Long.parseLong(m.group(2).replace(",", "")));
    }
    return out;
  }

  private Path rules(String options, int vport, Sinks sinks) throws IOException {
    List<String> lines = new ArrayList<>();
    lines.add("-A -u 127.0.0.1:" + vport + " " + options);
    for (DatagramSocket s : sinks.sockets) {
      lines.add("-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + s.getLocalPort() + " -m -w 1");
    }
    return Files.write(dir.resolve("rules-" + options.hashCode()), lines);
  }

  @Test
  void perServerCountsEqualWhatAForwarderDid_withTheEngineAndWithout() throws Exception {
    Path capture = dir.resolve("calls.pcap");
    // 2,000 calls at 200/s from 300 clients, 2 s on average: no call is quiet for 60 s
    SipCapture.write(capture, 2_000, 300, 200, 2, 0, 7);
    List<Map<String, Long>> outcomes = new ArrayList<>();
    for (String options : List.of("-s rr -p 60 -M 0.0.0.0 -o --pe sip", "-s rr")) {
      int vport = Loopback.freeUdpPort();
      try (Sinks sinks = new Sinks(3)) {
        Path rules = rules(options, vport, sinks);
        Map<String, Long> predicted = replayed(capture, rules, vport);
        Map<String, Long> actual = live(capture, rules, vport, sinks);
        System.out.println(options + ": replay " + predicted + ", forwarder " + actual);
        assertEquals(actual, predicted, options);
        outcomes.add(actual);
      }
    }
    // the control: without the engine the same datagrams spread otherwise (by client, not by
    // call), and the replay predicted that too
    assertTrue(
        !new ArrayList<>(outcomes.get(0).values())
            .equals(new ArrayList<>(outcomes.get(1).values())),
        "with and without the engine: " + outcomes);
  }

  /**
   * The same comparison on each real capture of {@code ../shared/testdata/sip-pcaps} (where it lies
   * beside the checkout: the {@code captures} profile turns this on), every UDP datagram of it —
   * SIP and RTP alike — sent to {@code -s rr -p 60 -M 0.0.0.0 -o --pe sip}: the SIP datagrams of a
   * call stay together by Call-ID, the others share the fallback template of the masked client
   * address.
   */
  @org.junit.jupiter.api.Tag("captures")
  @org.junit.jupiter.params.ParameterizedTest
  @org.junit.jupiter.params.provider.MethodSource("io.pe4j.cli.CaptureCorpusTest#expectedFiles")
  void realCapture_perServerCountsEqualWhatAForwarderDid(String name) throws Exception {
    Path capture = CaptureCorpusTest.CAPTURES.resolve(name);
    int vport = Loopback.freeUdpPort();
    try (Sinks sinks = new Sinks(3)) {
      Path rules = rules("-s rr -p 60 -M 0.0.0.0 -o --pe sip", vport, sinks);
      Map<String, Long> predicted = replayed(capture, rules, vport);
      Map<String, Long> actual = live(capture, rules, vport, sinks);
      System.out.println(name + ": replay " + predicted + ", forwarder " + actual);
      assertEquals(actual, predicted, name);
    }
  }
}
