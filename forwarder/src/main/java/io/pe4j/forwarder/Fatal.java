package io.pe4j.forwarder;

import java.io.PrintStream;

/**
 * What a forwarder does when the JVM cannot go on: a process out of heap that keeps its sockets
 * bound answers nothing and must not linger; it exits at once so that its supervisor restarts it.
 */
public final class Fatal {

  /** The exit status after {@link OutOfMemoryError}. */
  public static final int OUT_OF_MEMORY = 3;

  // Written without allocating: the heap is exhausted when this runs.
  private static final byte[] MESSAGE =
      ("pe4j: out of memory; exiting with status "
              + OUT_OF_MEMORY
              + " (lower --max-templates or --max-sessions, or raise -Xmx)\n")
          .getBytes(java.nio.charset.StandardCharsets.US_ASCII);

  private Fatal() {}

  /** Writes one line to standard error and halts the JVM with {@link #OUT_OF_MEMORY}. */
  public static void outOfMemory() {
    PrintStream err = System.err;
    err.write(MESSAGE, 0, MESSAGE.length);
    err.flush();
    Runtime.getRuntime().halt(OUT_OF_MEMORY);
  }

  /**
   * Installs a default handler that halts on {@link OutOfMemoryError} escaping any thread, and
   * otherwise leaves the throwable to the thread's usual reporting.
   */
  public static void haltOnOutOfMemory() {
    Thread.UncaughtExceptionHandler previous = Thread.getDefaultUncaughtExceptionHandler();
    Thread.setDefaultUncaughtExceptionHandler(
        (t, e) -> {
          if (e instanceof OutOfMemoryError) {
            outOfMemory();
          }
          if (previous != null) {
            previous.uncaughtException(t, e);
          } else {
            e.printStackTrace();
          }
        });
  }
}
