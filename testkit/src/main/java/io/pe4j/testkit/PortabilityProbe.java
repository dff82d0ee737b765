package io.pe4j.testkit;

import io.pe4j.api.ConnParam;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.io.DataInputStream;
import java.io.DataOutputStream;
import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;
import org.jspecify.annotations.Nullable;

/**
 * Law 12's other half: the default charset is fixed when a JVM starts, so the outcomes of an engine
 * under another default charset come from a JVM started for it ({@code -Dfile.encoding}). Not an
 * API: {@link #main} is the forked JVM's entry point.
 */
public final class PortabilityProbe {

  private PortabilityProbe() {}

  /** One outcome as a line: {@code match HEX} or {@code no REASON}. */
  static String line(PersistenceEngine engine, byte[] payload, Protocol protocol) {
    try {
      ConnParam p = Trials.freshParam(engine, protocol);
      PeResult r =
          engine.fillParam(
              p, Trials.datagram(protocol, ByteBuffer.wrap(payload.clone()), 0, payload.length));
      if (r.isMatch() && p.hasPeData()) {
        return "match " + Shrink.hex(p.peDataCopy().toByteArray()).replace("\n", "");
      }
      return "no " + r.reason();
    } catch (RuntimeException e) {
      return "threw " + e.getClass().getName();
    }
  }

  /**
   * The outcomes of a default-constructed {@code engineClass} on {@code inputs} in a JVM whose
   * default charset is {@code charset}; null when no such JVM could run it ({@code why} says why).
   */
  static @Nullable List<String> forked(
      Class<?> engineClass,
      List<byte[]> inputs,
      Protocol protocol,
      String charset,
      StringBuilder why) {
    try {
      var unused = engineClass.getConstructor();
    } catch (NoSuchMethodException e) {
      why.append(engineClass.getName()).append(" has no public no-argument constructor");
      return null;
    }
    Path dir = null;
    try {
      dir = Files.createTempDirectory("pe4j-portability");
      Path in = dir.resolve("inputs");
      Path out = dir.resolve("outcomes");
      try (DataOutputStream o = new DataOutputStream(Files.newOutputStream(in))) {
        o.writeInt(inputs.size());
        for (byte[] b : inputs) {
          o.writeInt(b.length);
          o.write(b);
        }
      }
      List<String> cmd =
          List.of(
              Path.of(System.getProperty("java.home"), "bin", "java").toString(),
              "-Dfile.encoding=" + charset,
              "-Xss4m",
              "-cp",
              System.getProperty("java.class.path"),
              PortabilityProbe.class.getName(),
              engineClass.getName(),
              protocol.name(),
              in.toString(),
              out.toString());
      Process p =
          new ProcessBuilder(cmd)
              .redirectErrorStream(true)
              .redirectOutput(dir.resolve("log").toFile())
              .start();
      if (!p.waitFor(120, TimeUnit.SECONDS)) {
        p.destroyForcibly();
        why.append("the JVM with file.encoding=").append(charset).append(" took over 120 s");
        return null;
      }
      if (p.exitValue() != 0) {
        why.append("the JVM with file.encoding=")
            .append(charset)
            .append(" failed: ")
            .append(Files.readString(dir.resolve("log"), StandardCharsets.UTF_8).strip());
        return null;
      }
      return Files.readAllLines(out, StandardCharsets.UTF_8);
    } catch (IOException e) {
      why.append("cannot run another JVM: ").append(e);
      return null;
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
      why.append("interrupted");
      return null;
    } finally {
      if (dir != null) {
        try (var files = Files.list(dir)) {
          for (Path f : files.toList()) {
            Files.deleteIfExists(f);
          }
          Files.deleteIfExists(dir);
        } catch (IOException e) {
          // a temporary directory left behind
        }
      }
    }
  }

  /**
   * The forked JVM: {@code ENGINE_CLASS PROTOCOL INPUTS OUTCOMES}; writes one outcome line per
   * input.
   *
   * @param args the engine's class, the protocol, the inputs file, the outcomes file
   * @throws Exception when the engine cannot be made or the files not read or written
   */
  public static void main(String[] args) throws Exception {
    PersistenceEngine engine =
        (PersistenceEngine) Class.forName(args[0]).getConstructor().newInstance();
    Protocol protocol = Protocol.valueOf(args[1]);
    List<String> lines = new ArrayList<>();
    try (DataInputStream in = new DataInputStream(Files.newInputStream(Path.of(args[2])))) {
      int n = in.readInt();
      for (int i = 0; i < n; i++) {
        byte[] b = new byte[in.readInt()];
        in.readFully(b);
        lines.add(line(engine, b, protocol));
      }
    }
    Files.write(Path.of(args[3]), lines, StandardCharsets.UTF_8);
  }
}
