package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * Every package with main sources, in every module of the build, is {@code @NullMarked} in its
 * {@code package-info.java}: NullAway and the SDK's contracts read the same defaults everywhere.
 */
class NullMarkedEverywhereTest {

  @Test
  void everyPackageWithMainSourcesIsNullMarked() throws IOException {
    Path root = root();
    TreeSet<Path> packages = new TreeSet<>();
    TreeSet<String> missing = new TreeSet<>();
    try (Stream<Path> modules = Files.list(root)) {
      for (Path module : modules.toList()) {
        for (Path sources : mainSourceRoots(module)) {
          try (Stream<Path> files = Files.walk(sources)) {
            files
                .filter(f -> f.toString().endsWith(".java"))
                .filter(f -> !f.getFileName().toString().equals("module-info.java"))
                .forEach(f -> packages.add(f.getParent()));
          }
        }
      }
    }
    for (Path p : packages) {
      Path info = p.resolve("package-info.java");
      if (!Files.exists(info) || !read(info).contains("@NullMarked")) {
        missing.add(root.relativize(p).toString());
      }
    }
    assertTrue(packages.size() >= 10, "packages found: " + packages);
    assertEquals(List.of(), List.copyOf(missing), "packages without @NullMarked");
  }

  /**
   * An embedder's class path: {@code pe4j-api} and {@code pe4j-core} bring no Guava (their tests
   * use guava-testlib, in test scope only), so an application's own Guava never meets ours.
   */
  @Test
  void apiAndCoreMainSourcesUseNoGuava() throws IOException {
    Path root = root();
    TreeSet<String> offenders = new TreeSet<>();
    for (String module : List.of("api", "core")) {
      try (Stream<Path> files = Files.walk(root.resolve(module).resolve("src/main/java"))) {
        for (Path f : files.filter(x -> x.toString().endsWith(".java")).toList()) {
          if (read(f).contains("com.google.common")) {
            offenders.add(root.relativize(f).toString());
          }
        }
      }
    }
    assertEquals(List.of(), List.copyOf(offenders), "Guava in api/core main sources");
    String pom = read(root.resolve("core/pom.xml")) + read(root.resolve("api/pom.xml"));
    java.util.regex.Matcher m =
        java.util.regex.Pattern.compile(
                "<artifactId>(guava[^<]*)</artifactId>\\s*(<scope>([^<]*)</scope>)?")
            .matcher(pom);
    while (m.find()) {
      assertEquals("test", m.group(3), m.group(1) + " outside test scope in api/core");
    }
  }

  /** The build's root: the first directory above the working one with {@code mvnw}. */
  private static Path root() {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("mvnw"))) {
      root = java.util.Objects.requireNonNull(root.getParent(), "no mvnw above the working dir");
    }
    return root;
  }

  /** The module's src/main/java, and its nested modules' (engines/sip, engines/examples). */
  private static List<Path> mainSourceRoots(Path dir) throws IOException {
    if (!Files.isDirectory(dir) || !Files.exists(dir.resolve("pom.xml"))) {
      return List.of();
    }
    List<Path> roots = new java.util.ArrayList<>();
    Path main = dir.resolve("src/main/java");
    if (Files.isDirectory(main)) {
      roots.add(main);
    }
    try (Stream<Path> children = Files.list(dir)) {
      for (Path child : children.toList()) {
        if (!child.getFileName().toString().equals("src")
            && !child.getFileName().toString().equals("target")) {
          roots.addAll(mainSourceRoots(child));
        }
      }
    }
    return roots;
  }

  private static String read(Path p) {
    try {
      return Files.readString(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }
}
