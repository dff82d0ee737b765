package io.pe4j.cli;

import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.TreeMap;

/**
 * The calls of one virtual service during a replay: for each key (a Call-ID, or a client without an
 * engine) the server it went to, and whether it went to another later (a split, with why). A call
 * quiet longer than its template lives is closed: its key seen again is a new call, as the balancer
 * would see it. Memory stays bounded by the calls alive at once, not by the capture.
 */
final class ReplayCalls {

  /** One call alive now. */
  static final class Call {
    String server = "";
    int node;
    long lastSeen;
    long datagrams;
    boolean split;
    // the datagram just seen went elsewhere than the one before: what was before
    boolean changed;
    String previousServer = "";
    int previousNode;
    long previousSeen;
  }

  private final long idleNanos;
  // access order: the eldest is the call quiet the longest
  private final LinkedHashMap<Object, Call> alive = new LinkedHashMap<>(1024, 0.75f, true);
  long calls;
  long splitCalls;
  long changes;
  long peakAlive;
  final Map<String, Long> splitReasons = new TreeMap<>();

  ReplayCalls(long idleNanos) {
    this.idleNanos = idleNanos;
  }

  /** A datagram of call {@code key} went to {@code server} from {@code node} at {@code now}. */
  Call see(Object key, String server, int node, long now) {
    Call c = alive.get(key);
    if (c == null) {
      c = new Call();
      c.server = server;
      c.node = node;
      alive.put(key, c);
      calls++;
      peakAlive = Math.max(peakAlive, alive.size());
    }
    c.changed = c.datagrams > 0 && !c.server.equals(server);
    c.previousServer = c.server;
    c.previousNode = c.node;
    c.previousSeen = c.lastSeen;
    c.server = server;
    c.node = node;
    c.lastSeen = now;
    c.datagrams++;
    return c;
  }

  /** The call just seen went elsewhere, because of {@code reason}. */
  void split(Call c, String reason) {
    changes++;
    if (!c.split) {
      c.split = true;
      splitCalls++;
      splitReasons.merge(reason, 1L, Long::sum);
    }
  }

  /** Closes the calls quiet longer than a template lives. */
  void expire(long now) {
    for (Iterator<Call> it = alive.values().iterator(); it.hasNext(); ) {
      Call c = it.next();
      if (now != Long.MAX_VALUE && now - c.lastSeen <= idleNanos) {
        return; // access order: the rest were seen later
      }
      it.remove();
    }
  }
}
