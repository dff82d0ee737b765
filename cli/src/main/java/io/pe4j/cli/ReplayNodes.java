package io.pe4j.cli;

import io.pe4j.api.IpAddress;
import io.pe4j.core.Destination;
import io.pe4j.core.DestinationSpec;
import io.pe4j.core.Ipvs;
import io.pe4j.core.IpvsadmException;
import io.pe4j.core.VirtualService;
import io.pe4j.core.ipvsadm.Ipvsadm;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * The directors of a replay: which node a client lands on (rendezvous hashing over the nodes that
 * are up, so that a node that stops sends only its own clients elsewhere), and what an event does
 * to the cores — an ipvsadm line on each, a server taken out and put back as a health check does, a
 * node stopped or started.
 */
final class ReplayNodes {

  private final int nodes;
  private final boolean[] nodeUp;
  private final List<Ipvs> cores;
  private final Map<String, DestinationSpec> downServers =
      new HashMap<>(); // "core svc rs" -> saved

  ReplayNodes(int nodes, List<Ipvs> cores) {
    this.nodes = nodes;
    this.nodeUp = new boolean[nodes];
    java.util.Arrays.fill(nodeUp, true);
    this.cores = cores;
  }

  /**
   * The live node a client lands on: the highest of the live nodes' scores (rendezvous hashing).
   */
  int node(IpAddress address, int port) {
    if (nodes == 1) {
      return 0;
    }
    long h = address.hashCode() * 0x9E3779B97F4A7C15L + port;
    int best = -1;
    long bestScore = Long.MIN_VALUE;
    for (int k = 0; k < nodes; k++) {
      if (!nodeUp[k]) {
        continue;
      }
      long z = h + (k + 1) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
      z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
      z ^= z >>> 31;
      if (best < 0 || z > bestScore) {
        best = k;
        bestScore = z;
      }
    }
    return Math.max(best, 0); // every node down: the first takes all (and the report says so)
  }

  /** Applies an event to every core (or to the nodes); returns why it failed, or null. */
  @Nullable String apply(ReplayEvents.Event e) {
    try {
      switch (e.kind()) {
        case IPVSADM -> {
          for (Ipvs core : cores) {
            core.ipvsadm(e.argument());
          }
        }
        case DOWN, UP -> serverEvent(e);
        case NODE_DOWN -> nodeUp[Integer.parseInt(e.argument()) - 1] = false;
        case NODE_UP -> nodeUp[Integer.parseInt(e.argument()) - 1] = true;
      }
      return null;
    } catch (IpvsadmException | IllegalArgumentException | IllegalStateException ex) {
      return String.valueOf(ex.getMessage());
    }
  }

  /** A server fails or returns as a health check would take it out and put it back. */
  private void serverEvent(ReplayEvents.Event e) {
    boolean found = false;
    for (Ipvs core : cores) {
      int coreIndex = cores.indexOf(core);
      for (VirtualService svc : core.services()) {
        String saveKey = coreIndex + " " + Ipvsadm.selector(svc) + " " + e.argument();
        Destination dest = null;
        for (Destination x : svc.destinations()) {
          if (x.address().withPort(x.port()).equals(e.argument())) {
            dest = x;
          }
        }
        if (e.kind() == ReplayEvents.Kind.DOWN && dest != null) {
          found = true;
          downServers.putIfAbsent(saveKey, dest.spec());
          if (e.remove()) {
            core.control().deleteDestination(svc, dest.address(), dest.port());
          } else {
            core.control().editDestination(svc, dest.spec().withWeight(0));
          }
        } else if (e.kind() == ReplayEvents.Kind.UP) {
          DestinationSpec saved = downServers.remove(saveKey);
          if (saved != null) {
            found = true;
            if (dest == null) {
              core.control().addDestination(svc, saved);
            } else {
              core.control().editDestination(svc, saved);
            }
          }
        }
      }
    }
    if (!found) {
      throw new IllegalArgumentException(
          e.kind() == ReplayEvents.Kind.DOWN
              ? "no service has the real server " + e.argument()
              : e.argument() + " was not down");
    }
  }
}
