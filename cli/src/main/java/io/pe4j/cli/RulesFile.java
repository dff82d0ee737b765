package io.pe4j.cli;

import io.pe4j.core.Ipvs;
import io.pe4j.core.IpvsadmException;
import io.pe4j.core.ipvsadm.Ipvsadm;
import io.pe4j.forwarder.health.HealthCheck;
import io.pe4j.forwarder.health.HealthChecker;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/** Reads a rules file (ipvsadm-save format) as text, saying where it is not. */
final class RulesFile {

  /** The largest rules file read: 64 MiB, about 500,000 services. */
  static final long MAX_BYTES = 64L << 20;

  private RulesFile() {}

  /**
   * Returns the file's text.
   *
   * @throws IOException naming the file, and the line and column of the first byte that is not text
   *     (a NUL, or not UTF-8)
   */
  static String read(Path file) throws IOException {
    if (Files.size(file) > MAX_BYTES) {
      throw new IOException(file + ": larger than " + (MAX_BYTES >> 20) + " MiB: not a rules file");
    }
    byte[] bytes = Files.readAllBytes(file);
    int line = 1;
    int lineStart = 0;
    for (int i = 0; i < bytes.length; ) {
      int c = bytes[i] & 0xff;
      int continuation =
          c < 0x80
              ? 0
              : c >= 0xc2 && c <= 0xdf
                  ? 1
                  : c >= 0xe0 && c <= 0xef ? 2 : c >= 0xf0 && c <= 0xf4 ? 3 : -1;
      if (c == 0 || continuation < 0) {
        throw notText(file, line, i - lineStart + 1, bytes[i]);
      }
      for (int k = 1; k <= continuation; k++) {
        if (i + k >= bytes.length || (bytes[i + k] & 0xc0) != 0x80) {
          throw notText(file, line, i - lineStart + 1, bytes[i]);
        }
      }
      if (c == '\n') {
        line++;
        lineStart = i + 1;
      }
      i += 1 + continuation;
    }
    try {
      return StandardCharsets.UTF_8
          .newDecoder()
          .onMalformedInput(CodingErrorAction.REPORT)
          .onUnmappableCharacter(CodingErrorAction.REPORT)
          .decode(ByteBuffer.wrap(bytes))
          .toString();
    } catch (CharacterCodingException e) {
      throw new IOException(file + ": not UTF-8 text (an overlong or surrogate sequence)", e);
    }
  }

  private static IOException notText(Path file, int line, int column, byte b) {
    return new IOException(
        String.format(
            "%s:%d:%d: not text (byte 0x%02x): a rules file holds ipvsadm lines",
            file, line, column, b & 0xff));
  }

  /** A rules file's ipvsadm lines (check lines blanked, so line numbers hold) and checks. */
  record Rules(String ipvsadm, List<HealthCheck> checks) {}

  /**
   * Splits a rules text into its ipvsadm lines and its {@code check} lines.
   *
   * @throws IllegalArgumentException naming file:line of a bad check line
   */
  static Rules split(Path file, String text) {
    StringBuilder ipvsadm = new StringBuilder();
    List<HealthCheck> checks = new ArrayList<>();
    String[] lines = text.split("\n", -1);
    for (int i = 0; i < lines.length; i++) {
      if (HealthCheck.isCheckLine(lines[i])) {
        try {
          checks.add(HealthCheck.parse(lines[i]));
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(
              file + ":" + (i + 1) + ": " + e.getMessage() + ": " + lines[i].strip(), e);
        }
        ipvsadm.append('\n');
      } else {
        ipvsadm.append(lines[i]).append('\n');
      }
    }
    return new Rules(ipvsadm.toString(), List.copyOf(checks));
  }

  /**
   * Reads a rules file (or a keepalived file, translated; its warnings go to {@code err}) into
   * {@code ipvs} with {@code -R}, and returns its health checks, each checked against the services.
   *
   * @throws IllegalArgumentException with the message for the operator: the file, and what is wrong
   *     where
   */
  static List<HealthCheck> load(Ipvs ipvs, Path source, boolean keepalived, PrintWriter err) {
    try {
      String text;
      if (keepalived) {
        Keepalived.Translation t = Keepalived.translate(source);
        for (String w : t.warnings()) {
          err.println("warning: " + w);
        }
        text = t.rules();
      } else {
        text = read(source);
      }
      Rules parsed = split(source, text);
      List<HealthCheck> checks = new java.util.ArrayList<>(parsed.checks());
      Ipvsadm.execute(ipvs, List.of("-R"), parsed.ipvsadm());
      for (HealthCheck c : checks) {
        try {
          HealthChecker.checkTarget(ipvs, c); // a check of nothing is refused, not run
        } catch (IllegalArgumentException e) {
          throw new IllegalArgumentException(source + ": " + e.getMessage(), e);
        }
      }
      return checks;
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      throw new IllegalArgumentException(
          m.startsWith(source.toString())
              ? m
              : source + ": cannot read: " + e.getClass().getSimpleName() + ": " + m,
          e);
    } catch (IpvsadmException e) {
      throw new IllegalArgumentException(
          (keepalived ? source + " (translated)" : source.toString()) + ": " + e.getMessage(), e);
    }
  }
}
