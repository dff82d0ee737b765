package io.pe4j.cli;

import java.io.BufferedReader;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

/** Child processes for end-to-end tests: logs kept under target/, stopped by pid. */
final class Processes implements AutoCloseable {

  private final Path logs;
  private final List<Process> started = new ArrayList<>();

  Processes(Path logs) throws IOException {
    this.logs = Files.createDirectories(logs.toAbsolutePath());
  }

  /** Processes whose logs go to {@code logs}, emptied first (the files of an earlier run). */
  static Processes fresh(Path logs) throws IOException {
    if (Files.exists(logs)) {
      try (var files = Files.list(logs)) {
        for (Path f : files.toList()) {
          Files.delete(f);
        }
      }
    }
    return new Processes(logs);
  }

  Path logs() {
    return logs;
  }

  /** Starts a process whose stdout and stderr go to {@code logs/name.log}. */
  Process start(String name, List<String> command) throws IOException {
    return start(name, command, java.util.Map.of());
  }

  /** Starts a process with {@code env} added to this one's environment. */
  Process start(String name, List<String> command, java.util.Map<String, String> env)
      throws IOException {
    ProcessBuilder b = new ProcessBuilder(command);
    b.environment().putAll(env);
    Process p =
        b.directory(logs.toFile())
            .redirectErrorStream(true)
            .redirectOutput(logs.resolve(name + ".log").toFile())
            .start();
    started.add(p);
    return p;
  }

  /** Starts {@code pe4j} from the test class path. */
  Process pe4j(String name, String... args) throws IOException {
    return pe4jWith(name, List.of(), args);
  }

  /** Starts {@code pe4j} from the test class path with JVM options. */
  Process pe4jWith(String name, List<String> jvm, String... args) throws IOException {
    return start(name, pe4jCommand(jvm, args));
  }

  /** The command line of {@code pe4j} on the test class path, to start as is or wrapped. */
  static List<String> pe4jCommand(List<String> jvm, String... args) {
    List<String> cmd =
        new ArrayList<>(
            List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
    cmd.addAll(jvm);
    cmd.addAll(List.of("-cp", System.getProperty("java.class.path"), Pe4j.class.getName()));
    cmd.addAll(withoutWarmUp(args));
    return cmd;
  }

  /**
   * {@code args}, with {@code --warm-up 0} after {@code forward} unless they set a warm-up: the
   * suites start a hundred forwarders, and the default warm-up (2–7 s each) is the business of the
   * test that checks it ({@code ServiceManagerEndToEndTest}), which passes its own.
   */
  static List<String> withoutWarmUp(String... args) {
    List<String> out = new ArrayList<>(List.of(args));
    int forward = out.indexOf("forward");
    if (forward >= 0 && out.stream().noneMatch(a -> a.startsWith("--warm-up"))) {
      out.addAll(forward + 1, List.of("--warm-up", "0"));
    }
    return out;
  }

  /** Waits until the log of {@code name} holds {@code text}. */
  void awaitLog(String name, String text, long seconds) throws IOException, InterruptedException {
    long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(seconds);
    Path log = logs.resolve(name + ".log");
    while (System.nanoTime() < deadline) {
      if (Files.exists(log) && Files.readString(log, StandardCharsets.UTF_8).contains(text)) {
        return;
      }
      Thread.sleep(50);
    }
    throw new AssertionError("no '" + text + "' in " + log + " after " + seconds + " s");
  }

  String log(String name) throws IOException {
    return Files.readString(logs.resolve(name + ".log"), StandardCharsets.UTF_8);
  }

  /** Stops a process with SIGTERM (by pid), then SIGKILL after 10 s; returns its exit code. */
  static int stop(Process p) throws InterruptedException {
    p.destroy();
    if (!p.waitFor(10, TimeUnit.SECONDS)) {
      p.destroyForcibly();
      p.waitFor(5, TimeUnit.SECONDS);
    }
    return p.exitValue();
  }

  @Override
  public void close() throws InterruptedException {
    for (Process p : started) {
      if (p.isAlive()) {
        stop(p);
      }
    }
  }

  static String lastLine(Path file) throws IOException {
    try (BufferedReader r = Files.newBufferedReader(file, StandardCharsets.ISO_8859_1)) {
      String last = null;
      for (String line; (line = r.readLine()) != null; ) {
        if (!line.isBlank()) {
          last = line;
        }
      }
      return last == null ? "" : last;
    }
  }
}
