package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * {@code pe4j replay} on a generated capture of 100,000 calls (seed printed): ten servers, one of
 * them removed by an event ten minutes in. With {@code -s rr -p 60} and with {@code -s mh -b mh-pe}
 * the calls alive on it move — about a tenth of the calls alive, the Maglev figure — and nothing
 * else does; with three nodes and no shared table a node that stops splits its clients' calls under
 * {@code rr} (the control) and none under {@code mh-pe} or a shared table. The same report on every
 * run.
 */
class ReplayTest {

  @TempDir static Path dir;
  static Path capture;
  static final int CALLS = 100_000;

  @BeforeAll
  static void capture() throws Exception {
    long seed = Long.getLong("pe4j.seed", 20261207L);
    System.out.println("ReplayTest capture seed=" + seed + " (replay: -Dpe4j.seed=" + seed + ")");
    capture = dir.resolve("calls.pcap");
    // 100,000 calls at 100/s (1,000 s), 3 to 60 s each: about 900 calls alive at once
    long written = SipCapture.write(capture, CALLS, 2_000, 100, 9, 0, seed);
    assertEquals(3L * CALLS, written);
  }

  private static Path rules(String scheduler) throws Exception {
    List<String> lines = new ArrayList<>();
    lines.add("-A -u 10.0.0.1:5060 " + scheduler + " -p 60 -M 0.0.0.0 -o --pe sip");
    for (int i = 1; i <= 10; i++) {
      lines.add("-a -u 10.0.0.1:5060 -r 192.168.10." + i + ":5060 -m -w 1");
    }
    return Files.write(dir.resolve("rules-" + scheduler.replace(' ', '_')), lines);
  }

  private static Path events(String... lines) throws Exception {
    return Files.write(Files.createTempFile(dir, "events", ""), List.of(lines));
  }

  private static String replay(String... args) {
    List<String> all = new ArrayList<>(List.of("replay", "--pcap", capture.toString()));
    all.addAll(List.of(args));
    CliTest.Run r = CliTest.run(all.toArray(String[]::new));
    assertEquals(0, r.code(), r.err() + r.out());
    return r.out();
  }

  private static long number(String report, String regex) {
    Matcher m = Pattern.compile(regex).matcher(report);
    assertTrue(m.find(), regex + " in:\n" + report);
    return Long.parseLong(m.group(1).replace(",", ""));
  }

  @Test
  void withoutEvents_everyCallIsWholeAndTheServersShareAlike() throws Exception {
    String report = replay("--rules", rules("-s rr").toString());
    System.out.print(report);
    assertEquals(CALLS, number(report, "calls: ([\\d,]+);"));
    assertEquals(0, number(report, "split \\(reached more than one server\\): ([\\d,]+)"));
    assertEquals(3L * CALLS, number(report, "([\\d,]+) UDP datagrams"));
    // rr: each server got a tenth of the calls, to the call
    Matcher m =
        Pattern.compile("192\\.168\\.10\\.\\d+:5060 +1 +10\\.0% +[\\d,]+ +[\\d.]+% +([\\d,]+)")
            .matcher(report);
    int servers = 0;
    while (m.find()) {
      servers++;
      assertEquals(CALLS / 10, Long.parseLong(m.group(1).replace(",", "")), report);
    }
    assertEquals(10, servers, report);
    assertTrue(report.contains("verdict: 100,000 calls, none split"), report);
    assertEquals(
        report.replaceAll("replayed in .*\\n", ""),
        replay("--rules", rules("-s rr").toString()).replaceAll("replayed in .*\\n", ""),
        "the same report on every run");
  }

  @Test
  void aServerRemoved_movesTheCallsAliveOnIt_aboutATenth_rrAndMhPe() throws Exception {
    Path removal = events("at 600 down 192.168.10.7:5060 remove");
    for (String scheduler : List.of("-s rr", "-s mh -b mh-pe")) {
      String report =
          replay("--rules", rules(scheduler).toString(), "--events", removal.toString());
      System.out.print(report);
      long moved = number(report, "down 192\\.168\\.10\\.7:5060 remove +calls moved: ([\\d,]+)");
      long split = number(report, "split \\(reached more than one server\\): ([\\d,]+)");
      // about 900 calls alive at 600 s, a tenth of them on the removed server
      assertTrue(moved > 45 && moved < 140, scheduler + ": moved " + moved);
      assertEquals(moved, split, scheduler + ": only the removed server's calls split");
      assertTrue(report.contains("its server was removed " + String.format("%,d", split)), report);
    }
  }

  @Test
  void aNodeStops_rrWithoutASharedTableSplits_mhPeAndASharedTableDoNot() throws Exception {
    Path nodeDown = events("at 400 node 2 down");
    String rr =
        replay(
            "--rules", rules("-s rr").toString(), "--nodes", "3", "--events", nodeDown.toString());
    String mh =
        replay(
            "--rules",
            rules("-s mh -b mh-pe").toString(),
            "--nodes",
            "3",
            "--events",
            nodeDown.toString());
    String shared =
        replay(
            "--rules",
            rules("-s rr").toString(),
            "--nodes",
            "3",
            "--agreement",
            "shared",
            "--events",
            nodeDown.toString());
    System.out.print(rr + mh + shared);
    long rrSplit = number(rr, "split \\(reached more than one server\\): ([\\d,]+)");
    assertTrue(rrSplit > 100, "the control: rr without a shared table splits calls: " + rrSplit);
    assertTrue(rr.contains("its client moved to another node (no shared table)"), rr);
    assertEquals(0, number(mh, "split \\(reached more than one server\\): ([\\d,]+)"), mh);
    assertEquals(0, number(shared, "split \\(reached more than one server\\): ([\\d,]+)"), shared);
  }

  @Test
  void aCaptureInTwoFiles_mergedByTime_replaysAsTheWhole() throws Exception {
    // every third frame (and the frames of its instant) to a second file: two files whose merge by
    // time is the whole capture again, datagram for datagram
    byte[] whole = Files.readAllBytes(capture);
    java.io.ByteArrayOutputStream first = new java.io.ByteArrayOutputStream();
    java.io.ByteArrayOutputStream second = new java.io.ByteArrayOutputStream();
    first.write(whole, 0, 24);
    second.write(whole, 0, 24);
    java.nio.ByteBuffer b = java.nio.ByteBuffer.wrap(whole).order(java.nio.ByteOrder.LITTLE_ENDIAN);
    assertEquals(0xa1b2c3d4, b.getInt(0), "the generated capture is little-endian classic pcap");
    long previousTime = -1;
    boolean toSecond = false;
    int frames = 0;
    for (int o = 24; o < whole.length; frames++) {
      long time = b.getInt(o) * 1_000_000L + b.getInt(o + 4);
      int length = 16 + b.getInt(o + 8);
      if (time != previousTime) {
        toSecond = frames % 3 == 0;
      }
      (toSecond ? second : first).write(whole, o, length);
      previousTime = time;
      o += length;
    }
    Path a = Files.write(dir.resolve("part-a.pcap"), first.toByteArray());
    Path c = Files.write(dir.resolve("part-b.pcap"), second.toByteArray());
    String rules = rules("-s rr").toString();
    CliTest.Run merged =
        CliTest.run("replay", "--pcap", a + "," + c, "--rules", rules, "--seed", "3");
    assertEquals(0, merged.code(), merged.err() + merged.out());
    String report = merged.out();
    assertTrue(
        report.startsWith("replay: " + a + ", " + c + ": 300,000 frames, 300,000 UDP datagrams"),
        report);
    assertEquals(
        replay("--rules", rules, "--seed", "3").replaceAll("(?m)^replay: .*\\n", ""),
        report.replaceAll("(?m)^replay: .*\\n", ""),
        "two halves merged by time give the whole capture's report");
  }

  @Test
  void json_carriesTheSameFigures() throws Exception {
    String json = replay("--rules", rules("-s rr").toString(), "--json");
    assertTrue(json.startsWith("{\"files\":[") && json.strip().endsWith("}"), json);
    assertEquals(3L * CALLS, number(json, "\"datagrams\":(\\d+)"));
    assertEquals(CALLS, number(json, "\"calls\":(\\d+),\"splitCalls\""));
    assertTrue(json.contains("\"verdict\":\"100,000 calls, none split;"), json);
  }

  @Test
  void badInput_isRefusedWithWhere() throws Exception {
    Path bad = events("at 10 down 192.168.10.7:5060", "at ten up 192.168.10.7:5060");
    CliTest.Run r =
        CliTest.run(
            "replay",
            "--pcap",
            capture.toString(),
            "--rules",
            rules("-s rr").toString(),
            "--events",
            bad.toString());
    assertEquals(Pe4j.USAGE, r.code());
    assertTrue(r.err().contains(bad + ":2: 'ten' is not a number of seconds"), r.err());
    CliTest.Run noRules = CliTest.run("replay", "--pcap", capture.toString());
    assertEquals(Pe4j.USAGE, noRules.code());
    assertTrue(noRules.err().contains("--rules FILE or --keepalived FILE"), noRules.err());
    CliTest.Run notACapture =
        CliTest.run(
            "replay", "--pcap", rules("-s rr").toString(), "--rules", rules("-s rr").toString());
    assertEquals(Pe4j.USAGE, notACapture.code());
    assertTrue(notACapture.err().contains("rules-"), notACapture.err());
  }

  @Test
  void aCaptureFromAPipe_replaysWhole_aCutOneExits2AfterItsReport() throws Exception {
    String whole = replay("--rules", rules("-s rr").toString());
    // a FIFO: no position to seek (the reader skipped by seeking and stopped with "Illegal seek")
    Path fifo = dir.resolve("capture.fifo");
    Files.deleteIfExists(fifo);
    Process mk = new ProcessBuilder("mkfifo", fifo.toString()).inheritIO().start();
    assertEquals(0, mk.waitFor());
    Thread writer = feed(fifo);
    CliTest.Run piped =
        CliTest.run("replay", "--pcap", fifo.toString(), "--rules", rules("-s rr").toString());
    writer.join();
    assertEquals(0, piped.code(), piped.err() + piped.out());
    assertEquals(
        whole.lines().filter(l -> l.startsWith("  192.")).toList(),
        piped.out().lines().filter(l -> l.startsWith("  192.")).toList(),
        "the same per-server counts through a pipe");
    // pe4j extract reads through the same opening
    Thread again = feed(fifo);
    CliTest.Run extract = CliTest.run("extract", "--engine", "sip", "--pcap", fifo.toString());
    again.join();
    assertEquals(0, extract.code(), extract.err());
    assertTrue(extract.err().contains("UDP datagrams listed"), extract.err());
    // cut in the middle of a frame: what was read is reported, then exit 2 naming where it stopped
    byte[] bytes = Files.readAllBytes(capture);
    Path cut =
        Files.write(dir.resolve("cut.pcap"), java.util.Arrays.copyOf(bytes, bytes.length / 2 + 7));
    CliTest.Run r =
        CliTest.run("replay", "--pcap", cut.toString(), "--rules", rules("-s rr").toString());
    assertEquals(Pe4j.USAGE, r.code(), r.err());
    assertTrue(r.out().contains("verdict:"), "the report of what was read: " + r.out());
    assertTrue(r.err().contains("cut.pcap") && r.err().contains("(read up to there)"), r.err());
  }

  /** Writes the capture into {@code fifo} on a thread of its own (a FIFO blocks until read). */
  private static Thread feed(Path fifo) {
    Thread t =
        new Thread(
            () -> {
              try (var out = Files.newOutputStream(fifo)) {
                Files.copy(capture, out);
              } catch (java.io.IOException e) {
                throw new java.io.UncheckedIOException(e);
              }
            });
    t.start();
    return t;
  }
}
