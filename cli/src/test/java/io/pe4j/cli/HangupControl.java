package io.pe4j.cli;

/** A JVM that installs no SIGHUP handler and waits: the control of {@code ReloadEndToEndTest}. */
final class HangupControl {
  private HangupControl() {}

  public static void main(String[] args) throws InterruptedException {
    System.out.println("waiting");
    System.out.flush();
    Thread.sleep(60_000);
  }
}
