package io.pe4j.forwarder;

import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.LongAdder;

/**
 * The forwarder's counters. Every datagram is accounted for: from clients, {@link
 * #clientDatagrams()} = {@link #forwarded()} + the sum of {@link #drops()}; from servers, {@link
 * #serverDatagrams()} = {@link #returned()} + the sum of {@link #replyDrops()} (once the sends in
 * flight have completed).
 */
public final class ForwarderStats {

  final LongAdder clientDatagrams = new LongAdder();
  final LongAdder forwarded = new LongAdder();
  final LongAdder serverDatagrams = new LongAdder();
  final LongAdder returned = new LongAdder();
  final LongAdder returnedWithoutKey = new LongAdder();
  final LongAdder sessionsOpened = new LongAdder();
  final LongAdder sessionsClosed = new LongAdder();
  final LongAdder clusterHeld = new LongAdder();
  final ConcurrentHashMap<String, LongAdder> drops = new ConcurrentHashMap<>();
  final ConcurrentHashMap<String, LongAdder> replyDrops = new ConcurrentHashMap<>();

  ForwarderStats() {}

  void drop(String reason) {
    drops.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  void replyDrop(String reason) {
    replyDrops.computeIfAbsent(reason, r -> new LongAdder()).increment();
  }

  /** Returns the datagrams received from clients. */
  public long clientDatagrams() {
    return clientDatagrams.sum();
  }

  /** Returns the datagrams sent on to real servers (the send completed). */
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

  /**
   * Returns the server datagrams returned although the core found no template or connection for
   * them (IPVS would have let them leave un-NATed); they are in {@link #returned()} too.
   */
  public long returnedWithoutKey() {
    return returnedWithoutKey.sum();
  }

  /**
   * Returns the client datagrams held while the cluster answered which server their new call has
   * (each processed again when it did, or when the cluster wait ended).
   */
  public long clusterHeld() {
    return clusterHeld.sum();
  }

  /** Returns the client sessions open now. */
  public long sessions() {
    return sessionsOpened.sum() - sessionsClosed.sum();
  }

  /** Returns the client datagrams dropped, by reason. */
  public Map<String, Long> drops() {
    return sums(drops);
  }

  /** Returns the server datagrams dropped, by reason. */
  public Map<String, Long> replyDrops() {
    return sums(replyDrops);
  }

  /**
   * Returns the datagrams the kernel dropped because a receive buffer of this process's UDP sockets
   * was full (sockets open now), or -1 where the kernel does not tell (not Linux).
   */
  public long socketReceiveDrops() {
    return KernelSocketDrops.read();
  }

  private static Map<String, Long> sums(ConcurrentHashMap<String, LongAdder> counters) {
    Map<String, Long> out = new TreeMap<>();
    counters.forEach((k, v) -> out.put(k, v.sum()));
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
    sb.append("returned without key     ").append(returnedWithoutKey()).append('\n');
    sb.append("sessions open            ")
        .append(sessions())
        .append(" (opened ")
        .append(sessionsOpened.sum())
        .append(")\n");
    long kernel = socketReceiveDrops();
    if (kernel >= 0) {
      sb.append("socket receive drops     ").append(kernel).append(" (kernel, sockets open now)\n");
    }
    drops()
        .forEach(
            (reason, n) ->
                sb.append("dropped: ").append(reason).append("  ").append(n).append('\n'));
    replyDrops()
        .forEach(
            (reason, n) ->
                sb.append("reply dropped: ").append(reason).append("  ").append(n).append('\n'));
    return sb.toString();
  }
}
