package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;

import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import org.junit.jupiter.api.Test;

/** The order in which pe4j forward's parts start and stop, and what a failed part does. */
class PartsTest {

  private final List<String> events = new CopyOnWriteArrayList<>();

  private Parts.Part<String> part(String name) {
    return new Parts.Part<>(
        name,
        () -> {
          events.add("start " + name);
          return name;
        },
        r -> events.add("stop " + r));
  }

  @Test
  void stagesStartInOrderAndStopInReverse() throws Exception {
    try (Parts parts = new Parts()) {
      parts.start(part("cluster"));
      parts.start(part("sockets"));
      parts.start(part("checker"));
      assertEquals(List.of("start cluster", "start sockets", "start checker"), events);
    }
    assertEquals(
        List.of(
            "start cluster",
            "start sockets",
            "start checker",
            "stop checker",
            "stop sockets",
            "stop cluster"),
        events);
  }

  @Test
  void aPartThatFailsToStartStopsTheOthersAndIsNamed() throws Exception {
    Parts parts = new Parts();
    parts.start(part("cluster"));
    parts.start(part("sockets"));
    Parts.Part<String> metrics =
        new Parts.Part<>(
            "--metrics 127.0.0.1:9100",
            () -> {
              throw new java.net.BindException("Address already in use");
            },
            r -> events.add("stop metrics"));
    Parts.PartFailed e =
        assertThrows(Parts.PartFailed.class, () -> parts.start(part("admin"), metrics));
    assertEquals("--metrics 127.0.0.1:9100: Address already in use", e.getMessage());
    // the admin endpoint of the same stage, then the earlier stages, in reverse
    assertEquals(
        List.of("stop admin", "stop sockets", "stop cluster"),
        events.stream().filter(s -> s.startsWith("stop")).toList());
    parts.close(); // nothing left to stop
    assertEquals(3, events.stream().filter(s -> s.startsWith("stop")).count());
  }
}
