package io.pe4j.forwarder;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/** The forwarder's counters: datagrams in and out each way, drops by reason, sessions. */
public final class ForwarderStats {

  final LongAdder clientDatagrams = new LongAdder();
  final LongAdder forwarded = new LongAdder();
  final LongAdder serverDatagrams = new LongAdder();
  final LongAdder returned = new LongAdder();
  final LongAdder sessionsOpened = new LongAdder();
  final LongAdder sessionsClosed = new LongAdder();
  final ConcurrentHashMap<String, LongAdder> drops = new ConcurrentHashMap<>();

  ForwarderStats() {}

  void drop(String reason) {
    drops.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  /** Returns the datagrams received from clients. */
  public long clientDatagrams() {
    return clientDatagrams.sum();
  }

  /** Returns the datagrams sent on to real servers. */
  public long forwarded() {
    return forwarded.sum();
  }

  /** Returns the datagrams received from real servers. */
  public long serverDatagrams() {
    return serverDatagrams.sum();
  }

  /** Returns the datagrams sent back to clients from the virtual address. */
  public long returned() {
    return returned.sum();
  }

  /** Returns the client sessions open now. */
  public long sessions() {
    return sessionsOpened.sum() - sessionsClosed.sum();
  }

  /** Returns the datagrams dropped, by reason. */
  public Map<String, Long> drops() {
    Map<String, Long> out = new TreeMap<>();
    drops.forEach((k, v) -> out.put(k, v.sum()));
    return out;
  }

  /**
   * Returns the counters as lines of text, as {@code pe4j forward} prints them and the admin
   * endpoint's {@code --forwarder}.
   */
  public String render() {
    StringBuilder sb = new StringBuilder();
    sb.append("datagrams from clients   ").append(clientDatagrams()).append('\n');
    sb.append("forwarded to servers     ").append(forwarded()).append('\n');
    sb.append("datagrams from servers   ").append(serverDatagrams()).append('\n');
    sb.append("returned to clients      ").append(returned()).append('\n');
    sb.append("sessions open            ")
        .append(sessions())
        .append(" (opened ")
        .append(sessionsOpened.sum())
        .append(")\n");
    drops()
        .forEach(
            (reason, n) ->
                sb.append("dropped: ").append(reason).append("  ").append(n).append('\n'));
    return sb.toString();
  }
}
