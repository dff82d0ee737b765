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
 * {@link Forwarder} did with the same datagrams sent on loopback, one after the other (so that the
 * arrival order is the capture's; what real time changes — templates that would expire within a
 * call in the capture's hours but not in the seconds of the live run — cannot differ here: no call
 * is quiet for 60 s). On a generated capture of 2,000 calls with {@code -s rr -p 60 --pe sip} over
 * three servers; the control: the same datagrams without the engine ({@code -p 60} alone, one
 * client address per call source) give other counts, which the replay predicts too.
 */
class ReplayFaithfulnessTest {

  @TempDir Path dir;

  /** Three UDP servers that count what they receive. */
  private static final class Sinks implements AutoCloseable {
    final List<DatagramSocket> sockets = new ArrayList<>();
    final List<AtomicLong> counts = new ArrayList<>();
    final List<Thread> threads = new ArrayList<>();

    Sinks(int n) throws IOException {
      for (int i = 0; i < n; i++) {
        DatagramSocket s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        s.setReceiveBufferSize(4 << 20);
        AtomicLong count = new AtomicLong();
        Thread t =
            new Thread(
                () -> {
                  byte[] buf = new byte[65_536];
                  while (!s.isClosed()) {
                    try {
                      s.receive(new DatagramPacket(buf, buf.length));
                      count.incrementAndGet();
                    } catch (IOException closed) {
                      return;
                    }
                  }
                });
        t.setDaemon(true);
        t.start();
        sockets.add(s);
        counts.add(count);
        threads.add(t);
      }
    }

    @Override
    public void close() {
      sockets.forEach(DatagramSocket::close);
    }
  }

  /** Sends the capture's datagrams through a forwarder; returns "127.0.0.1:PORT" to count. */
  static Map<String, Long> live(Path capture, Path rules, int vport, Sinks sinks) throws Exception {
    Ipvs ipvs = Ipvs.builder().seed(1).build();
    RulesFile.load(ipvs, rules, false, new java.io.PrintWriter(new java.io.StringWriter()));
    long sent = 0;
    Map<String, DatagramSocket> clients = new HashMap<>();
    try (Forwarder f = Forwarder.builder(ipvs).threads(1).build().start();
        CaptureSource source = CaptureSource.open(List.of(capture))) {
      InetSocketAddress vip = new InetSocketAddress("127.0.0.1", vport);
      for (CaptureSource.Packet p; (p = source.next()) != null; ) {
        // one loopback socket per captured client address and port: the forwarder's client
        String client = java.util.Arrays.toString(p.source()) + ":" + p.sourcePort();
        DatagramSocket s = clients.get(client);
        if (s == null) {
          s = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
          clients.put(client, s);
        }
        s.send(new DatagramPacket(p.payload(), p.payload().length, vip));
        sent++;
        if (sent % 64 == 0) {
          Thread.sleep(1); // the forwarder keeps up: nothing is lost, the order stays
        }
      }
      long until = System.nanoTime() + 10_000_000_000L;
      while (total(sinks) < sent && System.nanoTime() < until) {
        Thread.sleep(20);
      }
      assertEquals(sent, total(sinks), "the forwarder lost datagrams: " + f.stats().render());
    } finally {
      clients.values().forEach(DatagramSocket::close);
    }
    Map<String, Long> out = new TreeMap<>();
    for (int i = 0; i < sinks.sockets.size(); i++) {
      out.put("127.0.0.1:" + sinks.sockets.get(i).getLocalPort(), sinks.counts.get(i).get());
    }
    return out;
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
}
