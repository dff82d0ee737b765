package io.pe4j.cli;

import io.pe4j.api.ConnParam;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeData;
import java.util.Arrays;
import java.util.HashMap;
import java.util.Map;
import java.util.TreeMap;
import org.jspecify.annotations.Nullable;

/**
 * The calls of one virtual service during a replay: for each key (a Call-ID, or a client without an
 * engine) the server it went to, and whether it went to another later (a split, with why). A call
 * quiet longer than its template lives is closed: its key seen again is a new call, as the balancer
 * would see it. Memory stays bounded by the calls alive at once, not by the capture.
 */
final class ReplayCalls {

  /**
   * A call's key: the engine's pe data (a Call-ID), or without an engine the client's address and
   * port — as bytes. One mutable key is refilled for each datagram to look its call up; only a new
   * call keeps a copy.
   */
  static class Key {
    private byte[] bytes;
    private int length;
    private int hash;

    Key() {
      this(PeData.MAX_LENGTH); // the longest pe data an engine may give; a client's key is 19
    }

    private Key(int capacity) {
      bytes = new byte[capacity];
    }

    /** This key becomes the pe data the engine put in {@code param}. */
    Key fill(ConnParam param) {
      int n = param.peDataLength();
      for (int i = 0; i < n; i++) {
        bytes[i] = param.peDataByte(i);
      }
      return seal(n);
    }

    /** This key becomes a client's address and port. */
    Key fill(IpAddress address, int port) {
      long hi = address.hi();
      long lo = address.lo();
      for (int i = 0; i < 8; i++) {
        bytes[i] = (byte) (hi >>> (56 - 8 * i));
        bytes[8 + i] = (byte) (lo >>> (56 - 8 * i));
      }
      bytes[16] = (byte) (port >>> 8);
      bytes[17] = (byte) port;
      bytes[18] = (byte) (address.isIpv6() ? 6 : 4);
      return seal(19);
    }

    private Key seal(int n) {
      length = n;
      int h = 1;
      for (int i = 0; i < n; i++) {
        h = 31 * h + bytes[i];
      }
      hash = h;
      return this;
    }

    /** Takes {@code key}'s bytes, for good. */
    final void keep(Key key) {
      bytes = Arrays.copyOf(key.bytes, key.length);
      length = key.length;
      hash = key.hash;
    }

    @Override
    public final boolean equals(@Nullable Object o) {
      return o instanceof Key k
          && k.hash == hash
          && Arrays.equals(bytes, 0, length, k.bytes, 0, k.length);
    }

    @Override
    public final int hashCode() {
      return hash;
    }
  }

  /** One call alive now: its own key in the map (one object to reach, not two). */
  static final class Call extends Key {
    Call() {
      super(0); // its bytes come with keep()
    }

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
  // no access order: relinking the list on every datagram cost two more cache misses a lookup
  private final HashMap<Key, Call> alive = new HashMap<>(1024);
  private long sweptAt;
  long calls;
  long splitCalls;
  long changes;
  final Map<String, Long> splitReasons = new TreeMap<>();

  ReplayCalls(long idleNanos) {
    this.idleNanos = idleNanos;
  }

  /**
   * A datagram of call {@code key} went to {@code server} from {@code node} at {@code now}. The key
   * may be refilled after the call: a new call keeps a copy. A key quiet longer than a template
   * lives starts a new call, as the balancer would see it.
   */
  Call see(Key key, String server, int node, long now) {
    Call c = alive.get(key);
    if (c == null) {
      c = new Call();
      c.keep(key);
      alive.put(c, c);
      calls++;
    } else if (now - c.lastSeen > idleNanos) { // that call ended: this is a new one, same key
      c.datagrams = 0;
      c.split = false;
      calls++;
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

  /**
   * Forgets the calls quiet longer than a template lives, once per that time (so memory holds the
   * calls of two such times at most); {@code Long.MAX_VALUE}: all of them.
   */
  void expire(long now) {
    if (now == Long.MAX_VALUE) {
      alive.clear();
      return;
    }
    if (now - sweptAt < idleNanos) {
      return;
    }
    sweptAt = now;
    alive.values().removeIf(c -> now - c.lastSeen > idleNanos);
  }
}
