package io.pe4j.forwarder;

import java.io.IOException;
import java.net.StandardProtocolFamily;
import java.net.UnixDomainSocketAddress;
import java.nio.channels.ServerSocketChannel;
import java.nio.channels.SocketChannel;
import java.nio.file.AccessDeniedException;
import java.nio.file.Files;
import java.nio.file.LinkOption;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.attribute.PosixFilePermission;
import java.util.EnumSet;

/**
 * The admin socket's file: a Unix domain socket that never exists with a wider mode than 0600, a
 * stale file (its process died) replaced, a live one refused.
 */
final class AdminSocketFile {
  private AdminSocketFile() {}

  /**
   * Listens at {@code target} (an absolute path) with a backlog of {@code backlog}.
   *
   * @throws IOException naming the path, if it cannot listen there
   */
  static ServerSocketChannel listen(Path target, int backlog) throws IOException {
    Path dir = target.getParent();
    if (dir == null || !Files.isDirectory(dir)) {
      throw new IOException(target + ": its directory does not exist");
    }
    if (Files.exists(target, LinkOption.NOFOLLOW_LINKS)) {
      int mode = (Integer) Files.getAttribute(target, "unix:mode", LinkOption.NOFOLLOW_LINKS);
      if ((mode & 0170000) != 0140000) {
        throw new IOException(target + ": exists and is not a socket");
      }
      if (isLive(target)) {
        throw new IOException(target + ": another process listens on this admin socket");
      }
      Files.delete(target); // stale: its process is gone
    }
    // Bind under a temporary name, restrict it, then rename: the path never exists with a wider
    // mode than 0600.
    Path tmp = dir.resolve("." + target.getFileName() + "." + ProcessHandle.current().pid());
    Files.deleteIfExists(tmp);
    ServerSocketChannel s = ServerSocketChannel.open(StandardProtocolFamily.UNIX);
    try {
      s.bind(UnixDomainSocketAddress.of(tmp), backlog);
      Files.setPosixFilePermissions(
          tmp, EnumSet.of(PosixFilePermission.OWNER_READ, PosixFilePermission.OWNER_WRITE));
      Files.move(tmp, target, StandardCopyOption.ATOMIC_MOVE);
    } catch (AccessDeniedException e) {
      s.close();
      Files.deleteIfExists(tmp);
      throw new IOException(target + ": permission denied", e);
    } catch (IOException | RuntimeException e) {
      s.close();
      Files.deleteIfExists(tmp);
      throw e;
    }
    return s;
  }

  private static boolean isLive(Path socketPath) {
    try (SocketChannel c = SocketChannel.open(UnixDomainSocketAddress.of(socketPath))) {
      return c.isConnected();
    } catch (IOException e) {
      return false;
    }
  }
}
