package io.pe4j.cli;

import java.util.LinkedHashMap;
import java.util.Map;

/** One virtual service's outcome in a replay: datagrams and calls per server, and its calls. */
final class ReplayService {
  final String name;
  final String description;
  final Map<String, long[]> servers = new LinkedHashMap<>(); // datagrams, calls, weight
  final ReplayCalls calls;
  long unkeyed;

  ReplayService(String name, String description, long idleNanos) {
    this.name = name;
    this.description = description;
    this.calls = new ReplayCalls(idleNanos);
  }

  long[] server(String s) {
    return servers.computeIfAbsent(s, k -> new long[] {0, 0, -1});
  }
}
