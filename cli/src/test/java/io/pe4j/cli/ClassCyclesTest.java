package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.io.StringWriter;
import java.net.URISyntaxException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.jar.JarFile;
import java.util.spi.ToolProvider;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;

/**
 * No cycle between classes of different rooms, in every module's main classes, as {@code jdeps}
 * sees the compiled code: a cycle may only join classes of one room (listed below with why they
 * know each other). A new cycle — the director and the ipvsadm command line depending on each
 * other, say — fails here with its members.
 */
class ClassCyclesTest {

  /** The rooms whose classes may know each other both ways, by simple class name. */
  private static final Map<String, Set<String>> ROOMS =
      Map.of(
          // An engine is called with a connection's parameters and a template's view, which name
          // the engine they belong to.
          "api: the SPI",
          Set.of("PersistenceEngine", "ConnParam", "TemplateView"),
          // The registry's use counters, exported to the core only, are handed out by the registry.
          "api: the engine registry",
          Set.of("PersistenceEngines", "EngineUses"),
          // A service owns its servers and scheduler; a scheduler picks among servers and answers
          // with a verdict naming one.
          "core: the service model",
          Set.of(
              "Destination", "Scheduler", "Servers", "ServiceConfig", "Verdict", "VirtualService"),
          // A template is found by its key; a key is cut from a template.
          "core: templates",
          Set.of("Template", "TemplateKey"),
          // The seam chooses among its implementations (Transport.best()).
          "forwarder: the transport seam",
          Set.of("Transport", "EpollTransport", "IoUringTransport", "NioTransport"),
          // The checker runs probes and switches servers; both report back to it.
          "forwarder: health",
          Set.of("HealthChecker", "Probe", "ServerSwitch"),
          // The simulation draws payloads that name the simulation's own calls.
          "cli: simulate",
          Set.of("Simulation", "Payloads"));

  @Test
  void noCycleCrossesARoom() throws Exception {
    Map<String, Set<String>> graph = new TreeMap<>();
    for (Class<?> anchor :
        List.of(
            io.pe4j.api.PersistenceEngine.class,
            io.pe4j.core.Ipvs.class,
            io.pe4j.forwarder.Forwarder.class,
            io.pe4j.cluster.ClusterMember.class,
            io.pe4j.metrics.Pe4jMetrics.class,
            Pe4j.class)) {
      graph.putAll(dependencies(anchor));
    }
    // jdeps read every module: edges within one and across two are there
    assertTrue(
        graph
                .getOrDefault("io.pe4j.core.ipvsadm.Ipvsadm", Set.of())
                .contains("io.pe4j.core.ConfigPlane")
            && graph
                .getOrDefault("io.pe4j.forwarder.Forwarder", Set.of())
                .contains("io.pe4j.core.Ipvs")
            && graph.containsKey("io.pe4j.cli.ForwardCommand"),
        "jdeps saw " + graph.keySet());
    List<Set<String>> bad = crossRoomCycles(graph);
    assertEquals(List.of(), bad, "cycles between classes of different rooms");
  }

  @Test
  void control_aCycleAcrossRoomsIsFound() {
    Map<String, Set<String>> graph = new HashMap<>();
    graph.put("io.pe4j.core.Ipvs", Set.of("io.pe4j.core.ipvsadm.Ipvsadm"));
    graph.put("io.pe4j.core.ipvsadm.Ipvsadm", Set.of("io.pe4j.core.Ipvs"));
    graph.put("io.pe4j.core.Template", Set.of("io.pe4j.core.TemplateKey"));
    graph.put("io.pe4j.core.TemplateKey", Set.of("io.pe4j.core.Template"));
    assertEquals(
        List.of(Set.of("io.pe4j.core.Ipvs", "io.pe4j.core.ipvsadm.Ipvsadm")),
        crossRoomCycles(graph));
  }

  /** Strongly connected components of two or more classes that no single room holds. */
  static List<Set<String>> crossRoomCycles(Map<String, Set<String>> graph) {
    List<Set<String>> out = new ArrayList<>();
    for (Set<String> component : components(graph)) {
      Set<String> simple = new TreeSet<>();
      for (String c : component) {
        simple.add(c.substring(c.lastIndexOf('.') + 1));
      }
      if (ROOMS.values().stream().noneMatch(room -> room.containsAll(simple))) {
        out.add(new TreeSet<>(component));
      }
    }
    return out;
  }

  /** Tarjan's strongly connected components, iteratively; only those of two or more. */
  private static List<Set<String>> components(Map<String, Set<String>> graph) {
    Map<String, Integer> index = new HashMap<>();
    Map<String, Integer> low = new HashMap<>();
    Deque<String> stack = new ArrayDeque<>();
    Set<String> onStack = new HashSet<>();
    List<Set<String>> out = new ArrayList<>();
    for (String root : new TreeSet<>(graph.keySet())) {
      if (index.containsKey(root)) {
        continue;
      }
      Deque<Map.Entry<String, java.util.Iterator<String>>> work = new ArrayDeque<>();
      index.put(root, index.size());
      low.put(root, index.getOrDefault(root, 0));
      stack.push(root);
      onStack.add(root);
      work.push(Map.entry(root, graph.getOrDefault(root, Set.of()).iterator()));
      while (!work.isEmpty()) {
        String v = work.peek().getKey();
        java.util.Iterator<String> it = work.peek().getValue();
        if (it.hasNext()) {
          String w = it.next();
          if (!index.containsKey(w)) {
            index.put(w, index.size());
            low.put(w, index.getOrDefault(w, 0));
            stack.push(w);
            onStack.add(w);
            work.push(Map.entry(w, graph.getOrDefault(w, Set.of()).iterator()));
          } else if (onStack.contains(w)) {
            low.put(v, Math.min(low.getOrDefault(v, 0), index.getOrDefault(w, 0)));
          }
          continue;
        }
        work.pop();
        if (!work.isEmpty()) {
          String parent = work.peek().getKey();
          low.put(parent, Math.min(low.getOrDefault(parent, 0), low.getOrDefault(v, 0)));
        }
        if (low.getOrDefault(v, 0).equals(index.getOrDefault(v, 0))) {
          Set<String> component = new TreeSet<>();
          String w;
          do {
            w = stack.pop();
            onStack.remove(w);
            component.add(w);
          } while (!w.equals(v));
          if (component.size() > 1) {
            out.add(component);
          }
        }
      }
    }
    return out;
  }

  /**
   * The class-level dependencies among pe4j's own top-level classes of the module that holds {@code
   * anchor}: its class files (without {@code module-info}, so that jdeps needs no module path)
   * given to jdeps; nested classes count as their top-level class.
   */
  private static Map<String, Set<String>> dependencies(Class<?> anchor)
      throws IOException, URISyntaxException {
    Path location = Path.of(anchor.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path classes = Files.createTempDirectory("pe4j-classes");
    if (Files.isDirectory(location)) {
      try (Stream<Path> files = Files.walk(location)) {
        for (Path f : (Iterable<Path>) files::iterator) {
          copyClass(location.relativize(f).toString(), f, classes);
        }
      }
    } else {
      try (JarFile jar = new JarFile(location.toFile())) {
        for (var e : (Iterable<java.util.jar.JarEntry>) jar.stream()::iterator) {
          if (e.getName().endsWith(".class") && !e.getName().contains("module-info")) {
            Path to = classes.resolve(e.getName());
            Files.createDirectories(to.getParent());
            try (InputStream in = jar.getInputStream(e)) {
              Files.copy(in, to);
            }
          }
        }
      }
    }
    StringWriter out = new StringWriter();
    StringWriter err = new StringWriter();
    ToolProvider jdeps = ToolProvider.findFirst("jdeps").orElseThrow();
    int rc =
        jdeps.run(
            new PrintWriter(out),
            new PrintWriter(err),
            "-verbose:class",
            "-filter:none",
            classes.toString());
    assertEquals(0, rc, "jdeps on " + location + ": " + err);
    Map<String, Set<String>> graph = new TreeMap<>();
    for (String line : out.toString().split("\n")) {
      String[] f = line.trim().split("\\s+");
      if (f.length >= 3 && f[1].equals("->") && f[0].startsWith("io.pe4j.")) {
        String from = topLevel(f[0]);
        String to = topLevel(f[2]);
        if (to.startsWith("io.pe4j.") && !from.equals(to)) {
          graph.computeIfAbsent(from, k -> new TreeSet<>()).add(to);
        }
      }
    }
    return graph;
  }

  private static void copyClass(String relative, Path file, Path into) throws IOException {
    if (relative.endsWith(".class") && !relative.endsWith("module-info.class")) {
      Path to = into.resolve(relative);
      Files.createDirectories(to.getParent());
      Files.copy(file, to);
    }
  }

  private static String topLevel(String className) {
    int dollar = className.indexOf('$');
    return dollar < 0 ? className : className.substring(0, dollar);
  }
}
