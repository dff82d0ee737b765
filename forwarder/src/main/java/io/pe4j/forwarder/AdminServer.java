package io.pe4j.forwarder;

import io.pe4j.core.Ipvs;
import io.pe4j.core.IpvsadmException;
import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * An admin endpoint on a loopback TCP port: each connection sends one ipvsadm command line ({@code
 * -Lcn --persistent-conn}, {@code -e -u ... -w 0}, {@code -d ...}, {@code -E ...}) and receives
 * ipvsadm's output, or {@code error: MESSAGE}. {@code --forwarder} prints the forwarder's counters.
 * Refuses to listen on a non-loopback address.
 */
public final class AdminServer implements AutoCloseable {

  private static final int MAX_LINE = 8192;

  private final ServerSocket socket;
  private final Ipvs ipvs;
  private final @Nullable Forwarder forwarder;
  private final Thread thread;

  private AdminServer(ServerSocket socket, Ipvs ipvs, @Nullable Forwarder forwarder) {
    this.socket = socket;
    this.ipvs = ipvs;
    this.forwarder = forwarder;
    this.thread = new Thread(this::serve, "pe4j-admin");
    this.thread.setDaemon(true);
  }

  /**
   * Listens on {@code address}, which must be a loopback address.
   *
   * @throws IllegalArgumentException for a non-loopback address
   * @throws IOException if it cannot listen
   */
  public static AdminServer start(
      InetSocketAddress address, Ipvs ipvs, @Nullable Forwarder forwarder) throws IOException {
    if (!address.getAddress().isLoopbackAddress()) {
      throw new IllegalArgumentException(
          "the admin endpoint listens on loopback only, not " + address);
    }
    ServerSocket s = new ServerSocket();
    s.setReuseAddress(true);
    s.bind(address, 16);
    AdminServer server = new AdminServer(s, Objects.requireNonNull(ipvs), forwarder);
    server.thread.start();
    return server;
  }

  /** Returns the address it listens on. */
  public InetSocketAddress address() {
    return (InetSocketAddress) socket.getLocalSocketAddress();
  }

  private void serve() {
    while (!socket.isClosed()) {
      try (Socket c = socket.accept()) {
        c.setSoTimeout(5000);
        BufferedReader in =
            new BufferedReader(new InputStreamReader(c.getInputStream(), StandardCharsets.UTF_8));
        String line = readLine(in);
        String answer = line == null ? "error: line too long or missing\n" : answer(line.strip());
        OutputStream out = c.getOutputStream();
        out.write(answer.getBytes(StandardCharsets.UTF_8));
        out.flush();
      } catch (IOException e) {
        if (socket.isClosed()) {
          return;
        }
      }
    }
  }

  private static @Nullable String readLine(BufferedReader in) throws IOException {
    StringBuilder sb = new StringBuilder();
    for (int c; (c = in.read()) != -1 && c != '\n'; ) {
      if (sb.length() >= MAX_LINE) {
        return null;
      }
      sb.append((char) c);
    }
    return sb.toString();
  }

  private String answer(String line) {
    Forwarder f = forwarder;
    if (line.equals("--forwarder")) {
      return f == null ? "error: no forwarder\n" : f.stats().render();
    }
    try {
      return ipvs.ipvsadm(line);
    } catch (IpvsadmException e) {
      return "error: " + e.getMessage() + "\n";
    } catch (RuntimeException e) {
      return "error: " + e + "\n";
    }
  }

  /** Stops listening. */
  @Override
  public void close() throws IOException {
    socket.close();
  }

  /** Sends one command line to an admin endpoint and returns its answer. */
  public static String send(InetSocketAddress address, String commandLine) throws IOException {
    try (Socket s = new Socket()) {
      s.connect(address, 5000);
      s.setSoTimeout(10_000);
      s.getOutputStream()
          .write((commandLine.replace('\n', ' ') + "\n").getBytes(StandardCharsets.UTF_8));
      s.getOutputStream().flush();
      return new String(s.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
    }
  }
}
