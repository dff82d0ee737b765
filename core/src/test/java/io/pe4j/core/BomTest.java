package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.TreeSet;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.Test;

/**
 * The BOM manages every artifact the build publishes (each module but the BOM itself and the
 * benchmarks), and the core's test-jar that engine authors' scenario tests need: an embedder who
 * imports it never writes a pe4j version.
 */
class BomTest {

  private static final Pattern MODULE = Pattern.compile("<module>([^<]+)</module>");
  private static final Pattern ARTIFACT = Pattern.compile("<artifactId>(pe4j-[^<]+)</artifactId>");

  @Test
  void theBomManagesEveryPublishedArtifact() throws IOException {
    Path root = Path.of("").toAbsolutePath();
    while (!Files.exists(root.resolve("mvnw"))) {
      root = java.util.Objects.requireNonNull(root.getParent(), "no mvnw above the working dir");
    }
    TreeSet<String> published = new TreeSet<>();
    Matcher modules = MODULE.matcher(Files.readString(root.resolve("pom.xml")));
    while (modules.find()) {
      String module = modules.group(1);
      if (module.equals("bom") || module.equals("bench")) {
        continue;
      }
      Matcher own = ARTIFACT.matcher(Files.readString(root.resolve(module).resolve("pom.xml")));
      own.find(); // the parent's
      assertTrue(own.find(), module + "/pom.xml names no artifact of its own");
      published.add(own.group(1));
    }
    String bom = Files.readString(root.resolve("bom/pom.xml"));
    TreeSet<String> managed = new TreeSet<>();
    Matcher m = ARTIFACT.matcher(bom.substring(bom.indexOf("<dependencyManagement>")));
    while (m.find()) {
      managed.add(m.group(1));
    }
    assertTrue(published.size() >= 9, published.toString());
    assertEquals(List.copyOf(published), List.copyOf(managed), "artifacts the BOM lacks or extra");
    assertTrue(
        bom.contains(
            "<artifactId>pe4j-core</artifactId>\n        <version>${project.version}"
                + "</version>\n        <type>test-jar</type>"),
        "the BOM manages pe4j-core's test-jar");
  }
}
