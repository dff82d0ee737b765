package io.pe4j.cli;

import io.netty.util.ResourceLeakDetector;

/** Netty's process-wide settings for {@code pe4j forward}, where the command owns the process. */
final class NettyDefaults {

  private NettyDefaults() {}

  /**
   * Turns Netty's buffer-leak sampling off unless the operator set a level: by default Netty tracks
   * one buffer in 128 with a stack trace each, about 1 % of the event loop's CPU at 60,000
   * datagrams/s (BENCHMARKS.md §20). The forwarder's tests run it at {@code PARANOID}; to look for
   * a leak in production, start with {@code -Dio.netty.leakDetection.level=simple}.
   */
  static void quietLeakDetection() {
    if (System.getProperty("io.netty.leakDetection.level") == null
        && System.getProperty("io.netty.leakDetectionLevel") == null) {
      ResourceLeakDetector.setLevel(ResourceLeakDetector.Level.DISABLED);
    }
  }
}
