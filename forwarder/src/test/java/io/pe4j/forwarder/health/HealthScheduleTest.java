package io.pe4j.forwarder.health;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.Ipvs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicIntegerArray;
import org.junit.jupiter.api.Test;

/**
 * 200 checked servers, 10 of which go silent: every check keeps its interval whatever the others
 * do, the silent ones go down in {@code interval × fall + timeout} (+ 0.5 s), and when they answer
 * again no burst of late checks follows. (The checker this replaced blocked a thread of a pool of
 * two per probe: with 10 of 200 silent, every server was checked every 5 s instead of every 1 s,
 * the silent went down after 10.8–14.8 s, and their recovery set off 10,200 OPTIONS in 2 s.)
 */
class HealthScheduleTest {

  private static final int SERVERS = 200;
  private static final int SILENT = 10;
  private static final long INTERVAL_MS = 1000;
  private static final long TIMEOUT_MS = 500;
  private static final int FALL = 3;

  /** UDP servers on one selector: each answers "pong" unless silenced, and logs every probe. */
  private static final class Servers implements AutoCloseable {
    final List<DatagramChannel> channels = new ArrayList<>();
    final AtomicBoolean[] silent = new AtomicBoolean[SERVERS];
    final List<List<Long>> arrivals = new ArrayList<>();
    final AtomicIntegerArray perSecond = new AtomicIntegerArray(64);
    final long start = System.nanoTime();
    final Selector selector = Selector.open();
    final Thread thread;
    volatile boolean closed;

    Servers() throws IOException {
      for (int i = 0; i < SERVERS; i++) {
        DatagramChannel c = DatagramChannel.open();
        c.bind(new InetSocketAddress("127.0.0.1", 0));
        c.configureBlocking(false);
        c.register(selector, SelectionKey.OP_READ, i);
        channels.add(c);
        silent[i] = new AtomicBoolean();
        arrivals.add(Collections.synchronizedList(new ArrayList<>()));
      }
      thread = new Thread(this::serve, "servers");
      thread.setDaemon(true);
      thread.start();
    }

    int port(int i) throws IOException {
      return ((InetSocketAddress) channels.get(i).getLocalAddress()).getPort();
    }

    private void serve() {
      ByteBuffer b = ByteBuffer.allocate(2048);
      ByteBuffer pong = ByteBuffer.wrap("pong".getBytes(StandardCharsets.US_ASCII));
      try {
        while (!closed) {
          selector.select(100);
          for (SelectionKey k : selector.selectedKeys()) {
            int i = (Integer) k.attachment();
            DatagramChannel c = (DatagramChannel) k.channel();
            for (java.net.SocketAddress from; (from = receive(c, b)) != null; ) {
              long now = System.nanoTime();
              arrivals.get(i).add(now);
              int second = (int) ((now - start) / 1_000_000_000L);
              if (second < perSecond.length()) {
                perSecond.incrementAndGet(second);
              }
              if (!silent[i].get()) {
                c.send(pong.rewind(), from);
              }
            }
          }
          selector.selectedKeys().clear();
        }
      } catch (IOException | java.nio.channels.ClosedSelectorException e) {
        // closed
      }
    }

    private static java.net.SocketAddress receive(DatagramChannel c, ByteBuffer b)
        throws IOException {
      b.clear();
      return c.receive(b);
    }

    @Override
    public void close() throws IOException {
      closed = true;
      selector.close();
      for (DatagramChannel c : channels) {
        c.close();
      }
    }
  }

  @Test
  void everyCheckKeepsItsIntervalWhileTenOfTwoHundredServersAreSilent() throws Exception {
    try (Servers servers = new Servers()) {
      Ipvs ipvs = Ipvs.builder().build();
      ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr");
      for (int i = 0; i < SERVERS; i++) {
        ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 127.0.0.1:" + servers.port(i) + " -m");
      }
      try (HealthChecker hc = new HealthChecker(ipvs)) {
        for (int i = 0; i < SERVERS; i++) {
          hc.add(
              HealthCheck.parse(
                  "check -u 10.0.0.1:5060 -r 127.0.0.1:"
                      + servers.port(i)
                      + " udp send=ping expect=pong interval="
                      + INTERVAL_MS / 1000.0
                      + " timeout="
                      + TIMEOUT_MS / 1000.0
                      + " fall="
                      + FALL
                      + " rise=2"));
        }
        Thread.sleep(3_000); // all answer
        long silencedAt = System.nanoTime();
        for (int i = 0; i < SILENT; i++) {
          servers.silent[i].set(true);
        }
        long[] downAfter = new long[SILENT];
        ConcurrentHashMap<Integer, Long> down = new ConcurrentHashMap<>();
        while (down.size() < SILENT && System.nanoTime() - silencedAt < 10_000_000_000L) {
          for (int i = 0; i < SILENT; i++) {
            if (!down.containsKey(i)
                && hc.state("-u 10.0.0.1:5060", "127.0.0.1:" + servers.port(i))
                    == HealthChecker.State.DOWN) {
              down.put(i, (System.nanoTime() - silencedAt) / 1_000_000L);
            }
          }
          Thread.sleep(10);
        }
        for (int i = 0; i < SILENT; i++) {
          downAfter[i] = down.getOrDefault(i, Long.MAX_VALUE);
        }
        Thread.sleep(Math.max(0, 5_000 - (System.nanoTime() - silencedAt) / 1_000_000L));
        long answeringAgainAt = System.nanoTime();
        for (int i = 0; i < SILENT; i++) {
          servers.silent[i].set(false); // no burst of late probes must follow
        }
        Thread.sleep(3_500);
        int up = 0;
        for (int i = 0; i < SILENT; i++) {
          if (hc.state("-u 10.0.0.1:5060", "127.0.0.1:" + servers.port(i))
              == HealthChecker.State.UP) {
            up++;
          }
        }
        long end = System.nanoTime();

        // healthy servers: the gaps between their probes
        List<Long> gaps = new ArrayList<>();
        for (int i = SILENT; i < SERVERS; i++) {
          List<Long> a = new ArrayList<>(servers.arrivals.get(i));
          for (int k = 1; k < a.size(); k++) {
            gaps.add((a.get(k) - a.get(k - 1)) / 1_000_000L);
          }
        }
        Collections.sort(gaps);
        long p50 = gaps.get(gaps.size() / 2);
        long p99 = gaps.get(gaps.size() * 99 / 100);
        long max = gaps.get(gaps.size() - 1);
        int busiest = 0;
        int seconds = (int) ((end - servers.start) / 1_000_000_000L);
        for (int s = 1; s < seconds; s++) { // whole seconds after the first
          busiest = Math.max(busiest, servers.perSecond.get(s));
        }
        long limit = INTERVAL_MS * FALL + TIMEOUT_MS + 500;
        System.out.printf(
            "health schedule: %d healthy servers' probe gaps p50 %d ms, p99 %d ms, max %d ms;"
                + " silent servers DOWN after %s ms (limit %d); busiest second %d probes (%d"
                + " servers); back UP %d of %d%n",
            SERVERS - SILENT,
            p50,
            p99,
            max,
            java.util.Arrays.toString(downAfter),
            limit,
            busiest,
            SERVERS,
            up,
            SILENT);
        assertTrue(p99 <= INTERVAL_MS * 11 / 10, "p99 probe gap " + p99 + " ms");
        assertTrue(p50 >= INTERVAL_MS * 9 / 10, "p50 probe gap " + p50 + " ms");
        for (int i = 0; i < SILENT; i++) {
          assertTrue(downAfter[i] <= limit, "silent server " + i + " DOWN after " + downAfter[i]);
        }
        assertTrue(busiest <= SERVERS * 11 / 10, "busiest second: " + busiest + " probes");
        assertEquals(SILENT, up, "silent servers back up 3.5 s after answering again");
        assertTrue(answeringAgainAt > silencedAt);
        for (HealthChecker.Status st : hc.status()) {
          assertTrue(
              st.measuredIntervalMillis() >= 900 && st.measuredIntervalMillis() <= 1100,
              st.toString());
        }
      }
    }
  }
}
