package io.pe4j.cli;

/** The default bounds of {@code pe4j forward}: what the heap and the descriptor limit can hold. */
final class ForwardBounds {

  /**
   * Heap taken per template for the default bound: measured 296 bytes in the Caffeine store, 224 in
   * the table, with a 41-byte Call-ID (BENCHMARKS.md §16), rounded up for longer Call-IDs and the
   * connection each template controls.
   */
  static final long BYTES_PER_TEMPLATE = 512;

  /** Heap taken per session for the default bound: a Netty channel, its pipeline and buffers. */
  static final long BYTES_PER_SESSION = 8192;

  private ForwardBounds() {}

  /** Templates in half the heap, at least 1,024 and at most 16,777,216. */
  static long defaultTemplates(long heap) {
    return Math.min(1L << 24, Math.max(1024, heap / 2 / BYTES_PER_TEMPLATE));
  }

  /** 65,536, or fewer where the heap (a quarter of it) or the descriptor limit holds fewer. */
  static int defaultSessions(long heap) {
    long byHeap = heap / 4 / BYTES_PER_SESSION;
    long byDescriptors = Long.MAX_VALUE;
    java.lang.management.OperatingSystemMXBean os =
        java.lang.management.ManagementFactory.getOperatingSystemMXBean();
    if (os instanceof com.sun.management.UnixOperatingSystemMXBean unix) {
      byDescriptors = unix.getMaxFileDescriptorCount() - 256; // sockets, jars, the admin endpoint
    }
    return (int) Math.max(16, Math.min(65_536, Math.min(byHeap, byDescriptors)));
  }
}
