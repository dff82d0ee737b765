package io.pe4j.core;

import static io.pe4j.core.HashSchedulers.fold;
import static io.pe4j.core.HashSchedulers.hash32;

import io.pe4j.api.Datagram;
import org.jspecify.annotations.Nullable;

/** The hashing family: sh and dh (spec §8), with the kernel's hash helpers. */
final class HashSchedulers {

  private HashSchedulers() {}

  /** The kernel's {@code hash_32(value, 8)}: multiply by the 32-bit golden ratio, keep 8 bits. */
  static int hash32(int value) {
    return (value * 0x61C88647) >>> 24;
  }

  /** sh (source hashing) and dh (destination hashing): a 256-bucket table, spec §8.1. */
  static final class HashTable implements Scheduler {
    private static final int[] EMPTY = new int[0];
    private final boolean source;

    HashTable(boolean source) {
      this.source = source;
    }

    /** The 256 buckets, each the index of a server in {@code servers}. */
    @Override
    public int[] prepare(Servers servers) {
      int n = servers.size();
      int[] t = n == 0 ? EMPTY : new int[256];
      int p = 0;
      int count = 0;
      for (int i = 0; i < t.length; i++) {
        int k = p % n;
        t[i] = k;
        if (++count >= servers.weight(k)) {
          p++;
          count = 0;
        }
      }
      return t;
    }

    @Override
    public @Nullable Destination schedule(Servers s, Datagram datagram) {
      Object prepared = s.prepared();
      int[] t = prepared instanceof int[] table ? table : prepare(s);
      if (t.length == 0) {
        return null;
      }
      boolean withPort = s.hasFlag("sh-port");
      int addr = fold(datagram, source);
      int port = source && withPort ? datagram.sourcePort() : 0;
      int hash = hash32(port + addr);
      if (s.eligible(t[hash])) {
        return s.get(t[hash]);
      }
      if (!source || !s.hasFlag("sh-fallback")) {
        return null;
      }
      for (int offset = 0; offset < 256; offset++) {
        int roffset = (offset + hash) % 256;
        int f = t[(roffset + hash32(port + addr)) % 256];
        if (s.eligible(f)) {
          return s.get(f);
        }
      }
      return null;
    }
  }

  /** The address a hash scheduler keys on; IPv6 folded by XOR of its four 32-bit words. */
  static int fold(Datagram d, boolean source) {
    long hi = source ? d.sourceHi() : d.destinationHi();
    long lo = source ? d.sourceLo() : d.destinationLo();
    if (!d.isIpv6()) {
      return (int) lo;
    }
    return (int) (hi >>> 32) ^ (int) hi ^ (int) (lo >>> 32) ^ (int) lo;
  }
}
