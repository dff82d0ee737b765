package io.pe4j.forwarder;

import io.pe4j.core.Ipvs;
import io.pe4j.forwarder.health.HealthChecker;
import java.io.BufferedWriter;
import java.io.IOException;
import java.io.OutputStreamWriter;
import java.io.Writer;
import java.net.InetSocketAddress;
import java.net.SocketAddress;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.Channels;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.security.MessageDigest;
import java.util.Objects;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * The admin endpoint: each connection sends one ipvsadm command line ({@code -Lcn
 * --persistent-conn}, {@code -e -u ... -w 0}, {@code -a ...}, {@code -d ...}) and receives
 * ipvsadm's output, or {@code error: MESSAGE}; {@code --forwarder} prints the forwarder's counters,
 * {@code check ...} serves the health checks, {@code --drain} drains (the table in {@code
 * AdminCommands}). The forwarder binds the services added and releases those deleted on the core's
 * own change events.
 *
 * <p>By default a Unix domain socket, created with mode 0600 (only its owner, and root, can
 * connect: the equivalent of ipvsadm's {@code CAP_NET_ADMIN}). TCP only when asked for, on a
 * loopback address, and then every client sends a shared secret as its first line.
 *
 * <p>Bounded: at most {@value #MAX_CLIENTS} clients at once (one more is told so and closed), a
 * command line of at most {@value #MAX_LINE} bytes that must arrive within {@value
 * #READ_TIMEOUT_SECONDS} s, and {@value #COMMAND_TIMEOUT_SECONDS} s for the answer to be taken (a
 * client that stops reading a listing is cut off); listings are streamed, never built whole.
 */
public final class AdminServer implements AutoCloseable {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder.admin");

  /** The longest command line taken, in bytes. */
  public static final int MAX_LINE = 8192;

  /** The clients served at once. */
  public static final int MAX_CLIENTS = 16;

  /** The time a client has to send its line. */
  public static final int READ_TIMEOUT_SECONDS = 5;

  /** The time a client has for the whole exchange, its answer read. */
  public static final int COMMAND_TIMEOUT_SECONDS = 30;

  private final ServerSocketChannel socket;
  private final @Nullable Path path;
  private final byte @Nullable [] secret;
  private final Ipvs ipvs;
  private final @Nullable Forwarder forwarder;
  private final Thread acceptor;
  private final ThreadPoolExecutor workers;
  private final ScheduledExecutorService watchdog;
  // A descriptor kept in reserve: when the process has none left (sessions took them all), it is
  // given up so that the admin endpoint can still accept the operator who comes to look.
  private java.nio.channels.@Nullable FileChannel spare; // guarded by this

  private volatile @Nullable HealthChecker checker;
  private volatile @Nullable Runnable drain;
  private volatile java.util.function.@Nullable Supplier<String> reload;
  private final AdminCommands commands;

  private AdminServer(
      ServerSocketChannel socket,
      @Nullable Path path,
      byte @Nullable [] secret,
      Ipvs ipvs,
      @Nullable Forwarder forwarder) {
    this.socket = socket;
    this.path = path;
    this.secret = secret;
    this.ipvs = Objects.requireNonNull(ipvs);
    this.forwarder = forwarder;
    this.commands =
        new AdminCommands(this.ipvs, forwarder, () -> checker, () -> drain, () -> reload);
    this.workers =
        new ThreadPoolExecutor(
            0,
            MAX_CLIENTS,
            30,
            TimeUnit.SECONDS,
            new SynchronousQueue<>(),
            r -> daemon(r, "pe4j-admin-client"));
    this.watchdog = Executors.newSingleThreadScheduledExecutor(r -> daemon(r, "pe4j-admin-timer"));
    this.acceptor = daemon(this::accept, "pe4j-admin");
    reopenSpare();
  }

  private synchronized void reopenSpare() {
    if (spare == null) {
      try {
        spare = java.nio.channels.FileChannel.open(Path.of("/dev/null"));
      } catch (IOException | UnsupportedOperationException e) {
        spare = null; // no /dev/null, or still no descriptor: tried again after the next client
      }
    }
  }

  /** Gives up the reserve descriptor; returns whether there was one. */
  private synchronized boolean releaseSpare() {
    java.nio.channels.FileChannel s = spare;
    spare = null;
    if (s == null) {
      return false;
    }
    try {
      s.close();
    } catch (IOException e) {
      // closed anyway
    }
    return true;
  }

  static Thread daemon(Runnable r, String name) {
    Thread t = new Thread(r, name);
    t.setDaemon(true);
    return t;
  }

  /**
   * Listens on a Unix domain socket at {@code path}, created with mode 0600. A stale socket file
   * left by a process that died is replaced; a live one is refused.
   *
   * @throws IOException naming the path, if it cannot listen there
   */
  public static AdminServer unix(Path path, Ipvs ipvs, @Nullable Forwarder forwarder)
      throws IOException {
    Path target = path.toAbsolutePath();
    ServerSocketChannel s = AdminSocketFile.listen(target, MAX_CLIENTS);
    AdminServer server = new AdminServer(s, target, null, ipvs, forwarder);
    server.acceptor.start();
    return server;
  }

  /**
   * Listens on TCP at {@code address}, which must be a loopback address; every client must send
   * {@code secret} as its first line.
   *
   * @throws IllegalArgumentException for a non-loopback address or an empty secret
   * @throws IOException if it cannot listen
   */
  public static AdminServer tcp(
      InetSocketAddress address, byte[] secret, Ipvs ipvs, @Nullable Forwarder forwarder)
      throws IOException {
    if (!address.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "the TCP admin endpoint listens on loopback only, not " + address);
    }
    if (secret.length == 0) {
      throw new IllegalArgumentException("the TCP admin endpoint needs a non-empty secret");
    }
    ServerSocketChannel s = ServerSocketChannel.open(family(address));
    s.bind(address, MAX_CLIENTS);
    AdminServer server = new AdminServer(s, null, secret.clone(), ipvs, forwarder);
    server.acceptor.start();
    return server;
  }

  /**
   * Reads a shared secret from a file that only its owner may read (mode 0600 or 0400, as ssh asks
   * of keys); trailing line breaks are not part of it.
   *
   * @throws IOException naming the file, if it cannot be read, is empty or others may read it
   */
  public static byte[] readSecret(Path file) throws IOException {
    Set<PosixFilePermission> perms = Files.getPosixFilePermissions(file);
    if (perms.contains(PosixFilePermission.GROUP_READ)
        || perms.contains(PosixFilePermission.OTHERS_READ)) {
      throw new IOException(file + ": others may read this secret; chmod 600 it");
    }
    String s = Files.readString(file, StandardCharsets.UTF_8).strip();
    if (s.isEmpty()) {
      throw new IOException(file + ": the secret is empty");
    }
    return s.getBytes(StandardCharsets.UTF_8);
  }

  /** Returns the address it listens on: a Unix socket path, or a loopback TCP address. */
  public SocketAddress address() {
    try {
      return path != null ? UnixDomainSocketAddress.of(path) : socket.getLocalAddress();
    } catch (IOException e) {
      throw new java.io.UncheckedIOException(e);
    }
  }

  private void accept() {
    while (socket.isOpen()) {
      SocketChannel c;
      try {
        c = socket.accept();
      } catch (IOException e) {
        if (!socket.isOpen()) {
          return;
        }
        if (!releaseSpare()) { // descriptors exhausted and no reserve left: do not spin
          LOG.log(System.Logger.Level.WARNING, "admin accept failed: " + e.getMessage());
          try {
            Thread.sleep(100);
          } catch (InterruptedException ie) {
            return;
          }
        }
        continue;
      }
      try {
        workers.execute(() -> serve(c));
      } catch (RejectedExecutionException e) {
        refuse(c, "error: too many admin clients (" + MAX_CLIENTS + ")\n");
      }
    }
  }

  /**
   * Answers a client there is no room for, without blocking the acceptor: write, stop writing, and
   * close a little later, having read what the client sent (a socket closed with unread input would
   * reset the connection before the client reads the answer).
   */
  private void refuse(SocketChannel c, String answer) {
    try {
      c.configureBlocking(false);
      c.write(ByteBuffer.wrap(answer.getBytes(StandardCharsets.UTF_8)));
      c.shutdownOutput();
    } catch (IOException e) {
      closeQuietly(c);
      return;
    }
    watchdog.schedule(
        () -> {
          try (c) {
            c.read(ByteBuffer.allocate(MAX_LINE));
          } catch (IOException e) {
            // the client went away
          }
        },
        200,
        TimeUnit.MILLISECONDS);
  }

  private void serve(SocketChannel c) {
    ScheduledFuture<?> deadline =
        watchdog.schedule(() -> closeQuietly(c), READ_TIMEOUT_SECONDS, TimeUnit.SECONDS);
    try (c) {
      ByteBuffer in = ByteBuffer.allocate(MAX_LINE + 1);
      String line;
      if (secret != null) {
        String offered = readLine(c, in);
        if (offered == null
            || !MessageDigest.isEqual(secret, offered.strip().getBytes(StandardCharsets.UTF_8))) {
          LOG.log(System.Logger.Level.WARNING, "admin client refused: wrong secret");
          write(c, "error: authentication failed\n");
          return;
        }
      }
      line = readLine(c, in);
      deadline.cancel(false);
      deadline =
          watchdog.schedule(() -> closeQuietly(c), COMMAND_TIMEOUT_SECONDS, TimeUnit.SECONDS);
      Writer out =
          new BufferedWriter(
              new OutputStreamWriter(Channels.newOutputStream(c), StandardCharsets.UTF_8), 1 << 16);
      if (line == null) {
        out.write("error: no command line, or one over " + MAX_LINE + " bytes\n");
        out.flush();
        c.shutdownOutput();
        drain(c, in); // so that the client reads the answer instead of a reset
      } else {
        commands.answer(line.strip(), out);
      }
      out.flush();
    } catch (IOException e) {
      // the client went away, or the watchdog cut it off
    } catch (OutOfMemoryError e) {
      if (forwarder != null && forwarder.haltsOnOutOfMemory()) {
        Fatal.outOfMemory();
      }
      throw e;
    } finally {
      deadline.cancel(false);
      reopenSpare();
    }
  }

  private static void drain(SocketChannel c, ByteBuffer in) throws IOException {
    for (int total = 0; total < (1 << 20); ) {
      in.clear();
      int n = c.read(in);
      if (n < 0) {
        return;
      }
      total += n;
    }
  }

  private static void closeQuietly(SocketChannel c) {
    try {
      c.close();
    } catch (IOException e) {
      // closing anyway
    }
  }

  static void write(SocketChannel c, String s) throws IOException {
    ByteBuffer b = ByteBuffer.wrap(s.getBytes(StandardCharsets.UTF_8));
    while (b.hasRemaining()) {
      c.write(b);
    }
  }

  /**
   * Reads up to a line feed; leaves what follows it in {@code in}. Returns null for a line over
   * {@link #MAX_LINE} bytes or one the client did not finish.
   */
  private static @Nullable String readLine(SocketChannel c, ByteBuffer in) throws IOException {
    while (true) {
      for (int i = 0; i < in.position(); i++) {
        if (in.get(i) == '\n') {
          String line = new String(in.array(), 0, i, StandardCharsets.UTF_8);
          in.flip().position(i + 1);
          in.compact();
          return line;
        }
      }
      if (!in.hasRemaining() || c.read(in) < 0) {
        return null;
      }
    }
  }

  /**
   * Serves {@code check} lines with {@code checker}: {@code check -L} lists the checks and their
   * state, {@code check -u VIP:PORT -r RS:PORT TYPE ...} adds or replaces one, {@code check -d -u
   * VIP:PORT -r RS:PORT} removes one; {@code -L} listings end with the checks' states.
   */
  public AdminServer healthChecker(HealthChecker checker) {
    this.checker = checker;
    return this;
  }

  /**
   * Serves the line {@code --reload}: runs {@code reload} (the host reads its rules again and
   * applies the difference) and answers what it returns.
   */
  public AdminServer onReload(java.util.function.Supplier<String> reload) {
    this.reload = reload;
    return this;
  }

  /** Serves the line {@code --drain}: runs {@code drain} (the host drains and stops). */
  public AdminServer onDrain(Runnable drain) {
    this.drain = drain;
    return this;
  }

  /** Stops listening, and removes the socket file. */
  @Override
  public void close() throws IOException {
    socket.close();
    workers.shutdownNow();
    watchdog.shutdownNow();
    if (path != null) {
      Files.deleteIfExists(path);
    }
  }

  static StandardProtocolFamily family(SocketAddress address) {
    if (address instanceof UnixDomainSocketAddress) {
      return StandardProtocolFamily.UNIX;
    }
    return ((InetSocketAddress) address).getAddress() instanceof java.net.Inet6Address
        ? StandardProtocolFamily.INET6
        : StandardProtocolFamily.INET;
  }
}
