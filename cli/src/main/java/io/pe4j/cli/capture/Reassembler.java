package io.pe4j.cli.capture;

import java.util.ArrayList;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.jspecify.annotations.Nullable;

/**
 * Reassembles the fragments of UDP datagrams as the Linux stack does before IPVS sees them: a
 * datagram waits at most 30 s of capture time for its fragments ({@code ipfrag_time}), all waiting
 * fragments together hold at most 4 MiB ({@code ipfrag_high_thresh}; the oldest datagrams give
 * way), overlapping fragments discard the datagram (RFC 5722; Linux since 4.19 for IPv4 too), exact
 * duplicates are ignored. Each fragment that does not end up in a listed datagram is counted by
 * reason.
 */
final class Reassembler {

  static final long TIMEOUT_NANOS = 30_000_000_000L;
  static final int MAX_BYTES = 4 << 20;
  static final int MAX_DATAGRAM = 65_535;

  /** Counts frames by reason. */
  interface Counter {
    void count(String reason, long n);
  }

  private record Piece(int offset, byte[] bytes) {}

  private static final class Pending {
    final long first;
    final List<Piece> pieces = new ArrayList<>(4);
    int total = -1;
    int bytes;

    Pending(long first) {
      this.first = first;
    }
  }

  private final Counter counter;
  private final LinkedHashMap<String, Pending> pending = new LinkedHashMap<>();
  private int bytesHeld;

  Reassembler(Counter counter) {
    this.counter = counter;
  }

  /**
   * Adds one fragment of IP payload; returns the whole payload when this fragment completes it,
   * else null (the fragment is held, or counted).
   */
  byte @Nullable [] add(
      String key, long time, int offset, boolean more, byte[] frame, int at, int length) {
    expire(time);
    if (offset + length > MAX_DATAGRAM) {
      counter.count("malformed: IP fragment beyond 65,535 bytes", 1);
      return null;
    }
    if (more && length % 8 != 0) {
      counter.count("malformed: IP fragment not a multiple of 8 bytes", 1);
      return null;
    }
    Pending p = pending.computeIfAbsent(key, k -> new Pending(time));
    int end = offset + length;
    for (Piece piece : p.pieces) {
      int pieceEnd = piece.offset() + piece.bytes().length;
      if (piece.offset() == offset && pieceEnd == end) {
        counter.count("IP fragment duplicated", 1);
        return null;
      }
      if (offset < pieceEnd && piece.offset() < end) {
        drop(key, p, "overlapping", 1);
        return null;
      }
    }
    if (!more) {
      if (p.total >= 0 && p.total != end) {
        drop(key, p, "inconsistent lengths", 1);
        return null;
      }
      p.total = end;
    }
    if (p.total >= 0 && end > p.total) {
      drop(key, p, "inconsistent lengths", 1);
      return null;
    }
    byte[] copy = new byte[length];
    System.arraycopy(frame, at, copy, 0, length);
    p.pieces.add(new Piece(offset, copy));
    p.bytes += length;
    bytesHeld += length;
    if (p.total >= 0 && p.bytes == p.total) {
      pending.remove(key);
      bytesHeld -= p.bytes;
      byte[] whole = new byte[p.total];
      for (Piece piece : p.pieces) {
        System.arraycopy(piece.bytes(), 0, whole, piece.offset(), piece.bytes().length);
      }
      if (p.pieces.size() > 1) {
        counter.count("IP fragment, listed with its last fragment", p.pieces.size() - 1);
      }
      return whole;
    }
    Iterator<Map.Entry<String, Pending>> oldest = pending.entrySet().iterator();
    while (bytesHeld > MAX_BYTES && oldest.hasNext()) {
      Map.Entry<String, Pending> e = oldest.next();
      oldest.remove();
      forget(e.getValue(), "reassembly memory full", 0);
    }
    return null;
  }

  /** Counts every datagram still waiting as never completed. */
  void expireAll() {
    pending.values().forEach(p -> forget(p, "capture ended first", 0));
    pending.clear();
  }

  private void expire(long time) {
    Iterator<Pending> it = pending.values().iterator();
    while (it.hasNext()) {
      Pending p = it.next();
      if (time - p.first <= TIMEOUT_NANOS) {
        return; // insertion order is arrival order
      }
      it.remove();
      forget(p, "timed out (30 s)", 0);
    }
  }

  private void drop(String key, Pending p, String why, int alsoThisOne) {
    pending.remove(key);
    forget(p, why, alsoThisOne);
  }

  private void forget(Pending p, String why, int alsoThisOne) {
    bytesHeld -= p.bytes;
    counter.count("IP fragments not reassembled: " + why, p.pieces.size() + alsoThisOne);
  }
}
