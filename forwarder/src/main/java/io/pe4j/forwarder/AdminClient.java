package io.pe4j.forwarder;

import java.io.IOException;
import java.net.SocketAddress;
import java.nio.channels.Channels;
import java.nio.channels.SocketChannel;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/** The client side of an {@link AdminServer}: one command line, one answer. */
public final class AdminClient {

  /** The time {@link #send} waits for an answer. */
  public static final int CLIENT_TIMEOUT_SECONDS = 60;

  private AdminClient() {}

  /**
   * Sends one command line to an admin endpoint and returns its answer.
   *
   * @param secret the shared secret for a TCP endpoint, null for a Unix socket
   */
  public static String send(SocketAddress address, byte @Nullable [] secret, String commandLine)
      throws IOException {

    try (SocketChannel c = SocketChannel.open(AdminServer.family(address))) {
      c.connect(address);
      // a client never waits forever on an endpoint that does not answer
      Thread timer =
          AdminServer.daemon(
              () -> {
                try {
                  Thread.sleep(TimeUnit.SECONDS.toMillis(CLIENT_TIMEOUT_SECONDS));
                  c.close();
                } catch (InterruptedException | IOException e) {
                  // answered in time
                }
              },
              "pe4j-admin-client-timeout");
      timer.start();
      try {
        return exchange(c, secret, commandLine);
      } catch (java.nio.channels.AsynchronousCloseException e) {
        throw new IOException(
            "no answer from the admin endpoint within " + CLIENT_TIMEOUT_SECONDS + " s", e);
      } finally {
        timer.interrupt();
      }
    }
  }

  private static String exchange(SocketChannel c, byte @Nullable [] secret, String commandLine)
      throws IOException {
    {
      StringBuilder request = new StringBuilder();
      if (secret != null) {
        request.append(new String(secret, StandardCharsets.UTF_8)).append('\n');
      }
      request.append(commandLine.replace('\n', ' ')).append('\n');
      IOException writeFailure = null;
      try {
        AdminServer.write(c, request.toString());
      } catch (IOException e) {
        writeFailure = e; // the endpoint may have answered and closed first (busy, too long)
      }
      String answer;
      try {
        answer = new String(Channels.newInputStream(c).readAllBytes(), StandardCharsets.UTF_8);
      } catch (IOException e) {
        if (writeFailure != null) {
          e.addSuppressed(writeFailure);
        }
        throw e;
      }
      if (answer.isEmpty() && writeFailure != null) {
        throw writeFailure;
      }
      return answer;
    }
  }
}
