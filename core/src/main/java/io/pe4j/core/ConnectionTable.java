package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Ticker;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;
import org.jspecify.annotations.Nullable;

/**
 * The connections (spec §1, §6) and their reply index: the only owner of connections and their
 * timers. A connection keeps its destination's active/inactive counts and the template that
 * controls it (§3.4: a controlled template lives while its connections do).
 */
final class ConnectionTable {

  private final Cache<ConnKey, Connection> cache;
  private final ConcurrentHashMap<ConnKey, Connection> replyIndex = new ConcurrentHashMap<>();
  private final TemplateTable templates;

  ConnectionTable(Ticker ticker, TemplateTable templates) {
    this.templates = templates;
    this.cache = Expiring.cache(ticker, c -> Expiring.granuleEnd(c.expiresAt), this::gone);
  }

  /** Returns whether there may be connections (a cheap check before a lookup). */
  boolean mayHaveAny() {
    return cache.estimatedSize() > 0;
  }

  /**
   * Returns the connection a client's datagram belongs to, live at {@code now}, or null (Caffeine's
   * timer is the end of the expiry's granule: the exact time is checked here).
   */
  @Nullable Connection find(ConnKey probe, long now) {
    return live(cache.getIfPresent(probe), now);
  }

  /** Returns the connection a server's reply belongs to, live at {@code now}, or null. */
  @Nullable Connection findReply(ConnKey probe, long now) {
    return live(replyIndex.get(probe), now);
  }

  private static @Nullable Connection live(@Nullable Connection c, long now) {
    return c == null || c.expiresAt - now <= 0 ? null : c;
  }

  /** Adds a connection, replacing one with the same key, and attaches it to its template. */
  void add(Connection c, long now) {
    Destination dest = c.destination;
    if (c.isUdp()) {
      dest.inactiveConns.incrementAndGet(); // §8.0: UDP connections are always inactive
    } else {
      dest.activeConns.incrementAndGet();
    }
    dest.updateOverload();
    Template t = c.control;
    if (t != null) {
      templates.controlled(t, t.control(c.expiresAt, true), now);
    }
    Connection previous = cache.asMap().put(c.key, c);
    if (previous != null) {
      gone(previous);
    }
    replyIndex.put(c.replyKey, c);
  }

  /** Restarts a connection's timer on use, and its template's. */
  void refresh(Connection c, long now) {
    c.expiresAt = now + c.timeoutNanos;
    Expiring.retime(cache, c.key);
    Template t = c.control;
    if (t != null) {
      templates.retime(t, t.control(c.expiresAt, false), now);
    }
  }

  /** Removes a connection at once. */
  void remove(Connection c) {
    if (cache.asMap().remove(c.key, c)) {
      gone(c);
    }
  }

  /** Removes every connection {@code which} selects; calls {@code after} for each removed. */
  void removeIf(Predicate<Connection> which, java.util.function.Consumer<Connection> after) {
    for (Connection c : new ArrayList<>(cache.asMap().values())) {
      if (which.test(c)) {
        remove(c);
        after.accept(c);
      }
    }
  }

  /** Returns the number of connections, the expired ones removed first. */
  long count() {
    cache.cleanUp();
    return cache.estimatedSize();
  }

  void cleanUp() {
    cache.cleanUp();
  }

  /**
   * Returns the connections, for listings: those past their expiry but not yet removed left out.
   */
  List<Connection> snapshot(long now) {
    cache.cleanUp();
    List<Connection> out = new ArrayList<>();
    for (Connection c : cache.asMap().values()) {
      if (live(c, now) != null) {
        out.add(c);
      }
    }
    return out;
  }

  private void gone(Connection c) {
    replyIndex.remove(c.replyKey, c);
    Destination dest = c.destination;
    (c.isUdp() ? dest.inactiveConns : dest.activeConns).decrementAndGet();
    dest.updateOverload();
    Template t = c.control;
    if (t != null) {
      t.release();
    }
  }
}
