package io.pe4j.forwarder;

import java.io.IOException;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

/**
 * Datagrams the kernel dropped because a socket's receive buffer was full, summed over this
 * process's UDP sockets open now: the {@code drops} column of {@code /proc/net/udp} and {@code
 * /proc/net/udp6} for the socket inodes behind {@code /proc/self/fd}. Linux only; read on demand (a
 * listing), never on the datagram path.
 */
final class KernelSocketDrops {

  private KernelSocketDrops() {}

  /** Returns the drops, or -1 where the kernel does not say (not Linux). */
  static long read() {
    Path udp = Path.of("/proc/net/udp");
    if (!Files.isReadable(udp)) {
      return -1;
    }
    Set<Long> inodes = new HashSet<>();
    try (DirectoryStream<Path> fds = Files.newDirectoryStream(Path.of("/proc/self/fd"))) {
      for (Path fd : fds) {
        try {
          String link = Files.readSymbolicLink(fd).toString();
          if (link.startsWith("socket:[")) {
            inodes.add(Long.parseLong(link.substring(8, link.length() - 1)));
          }
        } catch (IOException | NumberFormatException e) {
          // the descriptor closed meanwhile
        }
      }
    } catch (IOException e) {
      return -1;
    }
    long drops = 0;
    for (Path table : List.of(udp, Path.of("/proc/net/udp6"))) {
      drops += sum(table, inodes);
    }
    return drops;
  }

  /** Sums the last column (drops) of the rows whose inode (column 10) is one of ours. */
  static long sum(Path table, Set<Long> inodes) {
    long drops = 0;
    try {
      List<String> lines = Files.readAllLines(table);
      for (int i = 1; i < lines.size(); i++) {
        String[] f = lines.get(i).trim().split("\\s+");
        if (f.length >= 13 && inodes.contains(Long.parseLong(f[9]))) {
          drops += Long.parseLong(f[f.length - 1]);
        }
      }
    } catch (IOException | NumberFormatException e) {
      return 0;
    }
    return drops;
  }
}
