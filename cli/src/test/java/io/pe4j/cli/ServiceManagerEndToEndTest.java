package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelHandlerContext;
import io.netty.channel.EventLoopGroup;
import io.netty.channel.MultiThreadIoEventLoopGroup;
import io.netty.channel.SimpleChannelInboundHandler;
import io.netty.channel.epoll.EpollDomainDatagramChannel;
import io.netty.channel.epoll.EpollIoHandler;
import io.netty.channel.unix.DomainDatagramPacket;
import io.netty.channel.unix.DomainSocketAddress;
import java.net.DatagramSocket;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

/**
 * The test plays systemd ({@code Type=notify}, {@code WatchdogSec}): it listens on a Unix datagram
 * socket, starts {@code pe4j forward} with {@code NOTIFY_SOCKET} and {@code WATCHDOG_USEC} pointing
 * at it and with the default warm-up, and reads what arrives: a {@code STATUS=} during the warm-up,
 * {@code READY=1} only once the warm-up is done and "ready" printed, {@code WATCHDOG=1} pings,
 * {@code RELOADING=1} then {@code READY=1} around a SIGHUP, {@code STOPPING=1} on SIGTERM. The
 * control runs the same without {@code NOTIFY_SOCKET}: nothing arrives.
 */
class ServiceManagerEndToEndTest {

  /** The notifications received, in order. */
  private static final class Manager implements AutoCloseable {
    final BlockingQueue<String> received = new LinkedBlockingQueue<>();
    final EventLoopGroup group = new MultiThreadIoEventLoopGroup(1, EpollIoHandler.newFactory());
    final Channel channel;

    Manager(Path socket) throws InterruptedException {
      channel =
          new Bootstrap()
              .group(group)
              .channel(EpollDomainDatagramChannel.class)
              .handler(
                  new SimpleChannelInboundHandler<DomainDatagramPacket>() {
                    @Override
                    protected void channelRead0(ChannelHandlerContext ctx, DomainDatagramPacket p) {
                      received.add(p.content().toString(StandardCharsets.UTF_8));
                    }
                  })
              .bind(new DomainSocketAddress(socket.toString()))
              .sync()
              .channel();
    }

    /** The next notification that contains {@code line}, skipping others; null after the wait. */
    @Nullable String await(String line, long seconds) throws InterruptedException {
      long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
      while (System.nanoTime() < deadline) {
        String m = received.poll(100, TimeUnit.MILLISECONDS);
        if (m != null && m.lines().anyMatch(line::equals)) {
          return m;
        }
      }
      return null;
    }

    @Override
    public void close() {
      channel.close().awaitUninterruptibly();
      group.shutdownGracefully(0, 0, TimeUnit.SECONDS).awaitUninterruptibly();
    }
  }

  private static List<String> forward(Path rules) {
    // no --warm-up: the default is what this test is about
    List<String> cmd = new ArrayList<>(Processes.pe4jCommand(List.of("-Xmx256m")));
    cmd.addAll(
        List.of("forward", "--rules", rules.toString(), "--threads", "1", "--drain-seconds", "1"));
    return cmd;
  }

  private static Path rules(Path dir, int vport, int server) throws Exception {
    return Files.write(
        dir.resolve("rules"),
        List.of(
            "-A -u 127.0.0.1:" + vport + " -s rr -p 60",
            "-a -u 127.0.0.1:" + vport + " -r 127.0.0.1:" + server + " -m -w 1"));
  }

  @Test
  void readyAfterTheWarmUp_watchdogPings_reloadingAndStopping() throws Exception {
    Path dir = Files.createDirectories(Path.of("target", "e2e-logs", "systemd").toAbsolutePath());
    Path socket = dir.resolve("notify.sock");
    Files.deleteIfExists(socket);
    try (Processes ps = Processes.fresh(dir.resolve("logs"));
        Manager systemd = new Manager(socket);
        DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      Path rules = rules(dir, Loopback.freeUdpPort(), server.getLocalPort());
      Process fwd =
          ps.start(
              "forward",
              forward(rules),
              Map.of("NOTIFY_SOCKET", socket.toString(), "WATCHDOG_USEC", "600000"));

      String warming =
          systemd.await("STATUS=warming up: 50000 round trips through a private forwarder", 60);
      assertNotNull(warming, "no STATUS during the warm-up; log: " + ps.log("forward"));
      String ready = systemd.await("READY=1", 60);
      assertNotNull(ready, "no READY=1; log: " + ps.log("forward"));
      String log = ps.log("forward");
      assertTrue(
          log.contains("pe4j forward: warm-up: ") && log.contains("\nready"),
          "READY=1 came before the warm-up and 'ready': " + log);
      assertTrue(ready.contains("STATUS=forwarding 1 virtual services"), ready);
      assertTrue(ready.contains("MAINPID=" + fwd.pid()), ready);

      // WatchdogSec=0.6: a ping every 0.3 s while the event loops answer
      assertNotNull(systemd.await("WATCHDOG=1", 5), "no WATCHDOG=1");
      assertNotNull(systemd.await("WATCHDOG=1", 5), "one WATCHDOG=1 only");

      new ProcessBuilder("kill", "-HUP", Long.toString(fwd.pid())).start().waitFor();
      String reloading = systemd.await("RELOADING=1", 10);
      assertNotNull(reloading, "no RELOADING=1 on SIGHUP; log: " + ps.log("forward"));
      assertTrue(reloading.contains("MONOTONIC_USEC="), reloading);
      String reloaded = systemd.await("READY=1", 10);
      assertNotNull(reloaded, "no READY=1 after the reload");
      assertTrue(reloaded.contains("STATUS=reload: no change"), reloaded);

      fwd.destroy(); // SIGTERM
      String stopping = systemd.await("STOPPING=1", 10);
      assertNotNull(stopping, "no STOPPING=1 on SIGTERM; log: " + ps.log("forward"));
      assertTrue(stopping.contains("STATUS=draining for 1 s"), stopping);
      assertTrue(fwd.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, fwd.exitValue(), ps.log("forward"));
    }
  }

  @Test
  void control_withoutNotifySocketNothingArrives() throws Exception {
    Path dir =
        Files.createDirectories(Path.of("target", "e2e-logs", "systemd-control").toAbsolutePath());
    Path socket = dir.resolve("notify.sock");
    Files.deleteIfExists(socket);
    try (Processes ps = Processes.fresh(dir.resolve("logs"));
        Manager systemd = new Manager(socket);
        DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      Path rules = rules(dir, Loopback.freeUdpPort(), server.getLocalPort());
      List<String> cmd = forward(rules);
      cmd.addAll(List.of("--warm-up", "0"));
      Process fwd = ps.start("forward", cmd, Map.of("WATCHDOG_USEC", "600000"));
      ps.awaitLog("forward", "ready", 60);
      Thread.sleep(1_000);
      fwd.destroy();
      assertTrue(fwd.waitFor(30, TimeUnit.SECONDS));
      assertNull(systemd.received.poll(), "a notification without NOTIFY_SOCKET");
    }
  }

  @Test
  void notifySocketPointingNowhere_forwardsAnyway_warnsOnce() throws Exception {
    Path dir =
        Files.createDirectories(Path.of("target", "e2e-logs", "systemd-nowhere").toAbsolutePath());
    try (Processes ps = Processes.fresh(dir.resolve("logs"));
        DatagramSocket server = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0));
        DatagramSocket client = new DatagramSocket(new InetSocketAddress("127.0.0.1", 0))) {
      int vport = Loopback.freeUdpPort();
      Path rules = rules(dir, vport, server.getLocalPort());
      List<String> cmd = forward(rules);
      cmd.addAll(List.of("--warm-up", "0"));
      Process fwd =
          ps.start(
              "forward",
              cmd,
              Map.of(
                  "NOTIFY_SOCKET",
                  dir.resolve("no-such-dir/notify.sock").toString(),
                  "WATCHDOG_USEC",
                  "200000"));
      ps.awaitLog("forward", "ready", 60);
      byte[] m = "hello".getBytes(java.nio.charset.StandardCharsets.US_ASCII);
      client.send(
          new java.net.DatagramPacket(m, m.length, new InetSocketAddress("127.0.0.1", vport)));
      server.setSoTimeout(5_000);
      java.net.DatagramPacket got = new java.net.DatagramPacket(new byte[64], 64);
      server.receive(got);
      assertEquals("hello", new String(got.getData(), 0, got.getLength(), "US-ASCII"));
      Thread.sleep(1_000); // READY=1 and ten watchdog pings, all failing
      fwd.destroy();
      assertTrue(fwd.waitFor(30, TimeUnit.SECONDS));
      assertEquals(0, fwd.exitValue(), ps.log("forward"));
      String log = ps.log("forward");
      long warnings =
          log.lines().filter(l -> l.contains("cannot notify the service manager")).count();
      assertEquals(1, warnings, "one warning for a NOTIFY_SOCKET that leads nowhere: " + log);
    }
  }
}
