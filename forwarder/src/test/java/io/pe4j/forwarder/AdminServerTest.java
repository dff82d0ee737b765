package io.pe4j.forwarder;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.Ipvs;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class AdminServerTest {

  @TempDir Path dir;

  static Ipvs ipvs() {
    Ipvs ipvs = Ipvs.builder().build();
    ipvs.ipvsadm("-A -u 127.0.0.1:5999 -s rr -p 60 --pe sip -o");
    ipvs.ipvsadm("-a -u 127.0.0.1:5999 -r 127.0.0.1:6001 -m");
    return ipvs;
  }

  @Test
  void unixSocket_isOwnerOnly_andRunsIpvsadmLines() throws Exception {
    Ipvs ipvs = ipvs();
    Path sock = dir.resolve("pe4j.sock");
    try (AdminServer admin = AdminServer.unix(sock, ipvs, null)) {
      assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(sock)));
      assertEquals(
          Files.getOwner(dir), Files.getOwner(sock), "the socket belongs to the process's user");
      SocketAddress a = admin.address();
      assertTrue(
          AdminClient.send(a, null, "-Ln")
              .contains("UDP  127.0.0.1:5999 rr persistent 60 pe sip ops\n"));
      assertEquals("", AdminClient.send(a, null, "-e -u 127.0.0.1:5999 -r 127.0.0.1:6001 -m -w 0"));
      assertEquals(0, ipvs.services().get(0).destinations().get(0).weight());
      assertEquals("error: invalid option: --bogus\n", AdminClient.send(a, null, "-L --bogus"));
      assertEquals("error: no forwarder\n", AdminClient.send(a, null, "--forwarder"));
      // a second instance on the same path is refused, the first keeps serving
      IOException e = assertThrows(IOException.class, () -> AdminServer.unix(sock, ipvs, null));
      assertTrue(
          String.valueOf(e.getMessage()).contains("another process listens"), e.getMessage());
      assertTrue(AdminClient.send(a, null, "-Ln").startsWith("IP Virtual Server"));
    }
    assertTrue(!Files.exists(sock), "the socket file is removed on close");
  }

  @Test
  void staleSocketFile_isReplaced_aRegularFileIsNot() throws Exception {
    Path sock = dir.resolve("stale.sock");
    try (var s = java.nio.channels.ServerSocketChannel.open(StandardProtocolFamily.UNIX)) {
      s.bind(UnixDomainSocketAddress.of(sock)); // then closed without unlinking: stale
    }
    assertTrue(Files.exists(sock));
    try (AdminServer admin = AdminServer.unix(sock, ipvs(), null)) {
      assertTrue(AdminClient.send(admin.address(), null, "-Ln").startsWith("IP Virtual Server"));
    }
    Path file = Files.writeString(dir.resolve("file.sock"), "not a socket");
    IOException e = assertThrows(IOException.class, () -> AdminServer.unix(file, ipvs(), null));
    assertEquals(file + ": exists and is not a socket", e.getMessage());
  }

  /**
   * Another user's process cannot connect: the probe runs as nobody (setpriv), in a directory it
   * may enter, against the socket as created (0600) and, as the control, the same socket opened to
   * everyone (0666), which it then reaches.
   */
  @Test
  void anotherUser_cannotConnect() throws Exception {
    Path open = Files.createDirectory(dir.resolve("open"));
    Files.setPosixFilePermissions(dir, PosixFilePermissions.fromString("rwxr-xr-x"));
    Files.setPosixFilePermissions(open, PosixFilePermissions.fromString("rwxr-xr-x"));
    Path probe =
        Files.writeString(
            open.resolve("Probe.java"),
            "public class Probe { public static void main(String[] a) throws Exception {\n"
                + " try (var c = java.nio.channels.SocketChannel.open(java.net.UnixDomainSocketAddress.of(a[0]))) {\n"
                + "  c.write(java.nio.ByteBuffer.wrap(\"-e -u 127.0.0.1:5999 -r 127.0.0.1:6001 -m -w 100\\n\".getBytes()));\n"
                + "  System.out.println(\"connected \" + new String(java.nio.channels.Channels.newInputStream(c).readAllBytes()));\n"
                + " } catch (java.io.IOException e) { System.out.println(\"refused \" + e.getMessage()); } } }\n");
    Files.setPosixFilePermissions(probe, PosixFilePermissions.fromString("rw-r--r--"));
    Ipvs ipvs = ipvs();
    ipvs.ipvsadm("-e -u 127.0.0.1:5999 -r 127.0.0.1:6001 -m -w 1");
    Path sock = open.resolve("admin.sock");
    try (AdminServer admin = AdminServer.unix(sock, ipvs, null)) {
      String asNobody = runAsNobody(probe, sock);
      assertTrue(asNobody.startsWith("refused"), asNobody);
      assertEquals(1, ipvs.services().get(0).destinations().get(0).weight());
      Files.setPosixFilePermissions(sock, PosixFilePermissions.fromString("rw-rw-rw-"));
      String control = runAsNobody(probe, sock);
      assertTrue(control.startsWith("connected"), "control: " + control);
      assertEquals(100, ipvs.services().get(0).destinations().get(0).weight());
    }
  }

  private static String runAsNobody(Path probe, Path sock) throws Exception {
    Process p =
        new ProcessBuilder(
                "setpriv",
                "--reuid=65534",
                "--regid=65534",
                "--clear-groups",
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                probe.toString(),
                sock.toString())
            .redirectErrorStream(true)
            .start();
    String out = new String(p.getInputStream().readAllBytes(), StandardCharsets.UTF_8).strip();
    assertTrue(p.waitFor(60, TimeUnit.SECONDS));
    return out;
  }

  @Test
  void tcp_onLoopbackOnly_withASharedSecret() throws Exception {
    Ipvs ipvs = ipvs();
    byte[] secret = "s3cret-of-the-balancer".getBytes(StandardCharsets.UTF_8);
    try (AdminServer admin =
        AdminServer.tcp(new InetSocketAddress("127.0.0.1", 0), secret, ipvs, null)) {
      SocketAddress a = admin.address();
      assertTrue(AdminClient.send(a, secret, "-Ln").startsWith("IP Virtual Server"));
      assertEquals(
          "error: authentication failed\n",
          AdminClient.send(a, "wrong".getBytes(StandardCharsets.UTF_8), "-C"));
      assertEquals("error: authentication failed\n", AdminClient.send(a, null, "-C"));
      assertEquals(1, ipvs.services().size(), "-C after a wrong secret changed nothing");
    }
    IllegalArgumentException e =
        assertThrows(
            IllegalArgumentException.class,
            () -> AdminServer.tcp(new InetSocketAddress("192.0.2.1", 0), secret, ipvs, null));
    assertTrue(String.valueOf(e.getMessage()).contains("loopback only"));
  }

  @Test
  void secretFile_mustBeTheOwnersOnly() throws Exception {
    Path f = Files.writeString(dir.resolve("secret"), "abc\n");
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-r--r--"));
    IOException e = assertThrows(IOException.class, () -> AdminServer.readSecret(f));
    assertEquals(f + ": others may read this secret; chmod 600 it", e.getMessage());
    Files.setPosixFilePermissions(f, PosixFilePermissions.fromString("rw-------"));
    assertEquals("abc", new String(AdminServer.readSecret(f), StandardCharsets.UTF_8));
  }

  /**
   * Idle, slow and non-reading clients hold a place each, not the endpoint: a legitimate command is
   * answered at once; past {@link AdminServer#MAX_CLIENTS} clients one more is told so; idle ones
   * are cut off after the read timeout.
   */
  @Test
  void idleSlowAndNonReadingClients_doNotBlockOthers() throws Exception {
    Ipvs ipvs = ipvs();
    fill(ipvs, 50_000);
    Path sock = dir.resolve("busy.sock");
    List<SocketChannel> hogs = new ArrayList<>();
    try (AdminServer admin = AdminServer.unix(sock, ipvs, null)) {
      SocketAddress a = admin.address();
      for (int i = 0; i < 6; i++) { // idle: connected, sending nothing
        hogs.add(SocketChannel.open(a));
      }
      for (int i = 0; i < 4; i++) { // slow: one byte, then nothing
        SocketChannel c = SocketChannel.open(a);
        c.write(ByteBuffer.wrap(new byte[] {'-'}));
        hogs.add(c);
      }
      for (int i = 0; i < 4; i++) { // ask for a 50,000-line listing and never read it
        SocketChannel c = SocketChannel.open(a);
        c.write(ByteBuffer.wrap("-Lcn --persistent-conn\n".getBytes(StandardCharsets.US_ASCII)));
        hogs.add(c);
      }
      Thread.sleep(300);
      long t0 = System.nanoTime();
      assertTrue(AdminClient.send(a, null, "-Ln").startsWith("IP Virtual Server"));
      long ms = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - t0);
      assertTrue(ms < 1000, "-Ln took " + ms + " ms behind 14 idle, slow or stuck clients");
      Thread.sleep(300); // the worker that answered -Ln goes back to the pool
      for (int i = 0; i < 2; i++) {
        hogs.add(SocketChannel.open(a));
      }
      Thread.sleep(300);
      assertEquals("error: too many admin clients (16)\n", AdminClient.send(a, null, "-Ln"));
      // the idle and slow ones are cut off after the read timeout; then there is room again
      Thread.sleep(TimeUnit.SECONDS.toMillis(AdminServer.READ_TIMEOUT_SECONDS) + 1000);
      assertTrue(AdminClient.send(a, null, "-Ln").startsWith("IP Virtual Server"));
      ByteBuffer probe = ByteBuffer.allocate(16);
      assertEquals(-1, hogs.get(0).read(probe), "an idle client was closed by the endpoint");
    } finally {
      for (SocketChannel c : hogs) {
        c.close();
      }
    }
  }

  /** Gives the service {@code n} templates, one Call-ID each. */
  static void fill(Ipvs ipvs, int n) {
    for (int i = 0; i < n; i++) {
      ipvs.process(
          io.pe4j.api.Datagram.udp(
              io.pe4j.api.IpAddress.parse("198.51.100.10"),
              5060,
              io.pe4j.api.IpAddress.parse("127.0.0.1"),
              5999,
              ("INVITE sip:b SIP/2.0\r\nCall-ID: c" + i + "\r\n\r\n")
                  .getBytes(StandardCharsets.US_ASCII)));
    }
  }

  @Test
  void overlongLine_isRefused() throws Exception {
    Path sock = dir.resolve("long.sock");
    try (AdminServer admin = AdminServer.unix(sock, ipvs(), null)) {
      String answer = AdminClient.send(admin.address(), null, "-L " + "x".repeat(10_000));
      assertEquals("error: no command line, or one over 8192 bytes\n", answer);
    }
  }

  @Test
  void largeListing_isStreamedWhole() throws Exception {
    Ipvs ipvs = Ipvs.builder().ticker(() -> 0L).build(); // frozen: both listings show one time
    ipvs.ipvsadm("-A -u 127.0.0.1:5999 -s rr -p 60 --pe sip -o");
    ipvs.ipvsadm("-a -u 127.0.0.1:5999 -r 127.0.0.1:6001 -m");
    fill(ipvs, 20_000);
    try (AdminServer admin = AdminServer.unix(dir.resolve("l.sock"), ipvs, null)) {
      String listing = AdminClient.send(admin.address(), null, "-Lcn --persistent-conn");
      assertEquals(20_000 + 2, listing.lines().count());
      assertEquals(ipvs.ipvsadm("-Lcn --persistent-conn"), listing);
    }
  }
}
