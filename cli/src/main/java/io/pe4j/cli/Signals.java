package io.pe4j.cli;

/**
 * SIGINT and SIGTERM handling, so that {@code pe4j forward} can print its statistics and exit 0;
 * SIGHUP, so that it reloads instead of dying (the JVM's default for SIGHUP is to exit).
 */
final class Signals {
  private Signals() {}

  /**
   * Runs {@code action} on SIGINT or SIGTERM (falls back to a shutdown hook where signals cannot be
   * handled).
   */
  @SuppressWarnings("removal")
  static void onTermination(Runnable action) {
    try {
      for (String name : new String[] {"INT", "TERM"}) {
        sun.misc.Signal.handle(new sun.misc.Signal(name), s -> action.run());
      }
    } catch (IllegalArgumentException | LinkageError e) {
      Runtime.getRuntime().addShutdownHook(new Thread(action));
    }
  }

  /**
   * Runs {@code action} on SIGHUP instead of the JVM's default (exit); returns whether the handler
   * could be installed (not where signals cannot be handled).
   */
  @SuppressWarnings("removal")
  static boolean onHangup(Runnable action) {
    try {
      sun.misc.Signal.handle(new sun.misc.Signal("HUP"), s -> action.run());
      return true;
    } catch (IllegalArgumentException | LinkageError e) {
      return false;
    }
  }
}
