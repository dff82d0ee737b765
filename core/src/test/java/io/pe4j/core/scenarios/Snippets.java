package io.pe4j.core.scenarios;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;

/**
 * Documentation code blocks taken from compiled sources: the region of a file between the lines
 * that carry {@code tag::NAME[]} and {@code end::NAME[]}, as README.md and the engine guide show it
 * (their tests compare the two).
 */
public final class Snippets {

  private Snippets() {}

  /**
   * Returns the lines between {@code tag::NAME[]} and {@code end::NAME[]}, their common indentation
   * removed, each ending with a newline.
   *
   * @throws IllegalArgumentException if the file has no such region
   */
  private static final java.util.regex.Pattern NESTED_MARKER =
      java.util.regex.Pattern.compile("(tag|end)::[\\w-]+\\[\\]");

  public static String region(Path file, String name) throws IOException {
    List<String> out = new ArrayList<>();
    boolean in = false;
    for (String line : Files.readAllLines(file, StandardCharsets.UTF_8)) {
      if (line.contains("end::" + name + "[]")) {
        in = false;
      } else if (in) {
        if (!NESTED_MARKER.matcher(line).find()) { // another region's marker inside this one
          out.add(line);
        }
      } else if (line.contains("tag::" + name + "[]")) {
        in = true;
      }
    }
    if (out.isEmpty()) {
      throw new IllegalArgumentException("no region " + name + " in " + file);
    }
    int indent =
        out.stream()
            .filter(l -> !l.isBlank())
            .mapToInt(l -> l.length() - l.stripLeading().length())
            .min()
            .orElse(0);
    StringBuilder sb = new StringBuilder();
    for (String l : out) {
      sb.append(l.isBlank() ? "" : l.substring(indent)).append('\n');
    }
    return sb.toString();
  }
}
