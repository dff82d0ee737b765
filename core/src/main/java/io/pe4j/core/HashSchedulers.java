package io.pe4j.core;

import static io.pe4j.core.HashSchedulers.fold;
import static io.pe4j.core.HashSchedulers.hash32;
import static io.pe4j.core.LoadSchedulers.eligible;

import io.pe4j.api.Datagram;
import java.util.List;
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
    private final boolean source;
    private volatile Destination[] table = new Destination[0];

    HashTable(boolean source) {
      this.source = source;
    }

    @Override
    public void destinationsChanged(VirtualService s) {
      List<Destination> list = s.destinations;
      Destination[] t = new Destination[list.isEmpty() ? 0 : 256];
      int p = 0;
      int count = 0;
      for (int i = 0; i < t.length; i++) {
        Destination d = list.get(p % list.size());
        t[i] = d;
        if (++count >= d.weight) {
          p++;
          count = 0;
        }
      }
      table = t;
    }

    @Override
    public @Nullable Destination schedule(VirtualService s, Datagram datagram) {
      Destination[] t = table;
      if (t.length == 0) {
        return null;
      }
      boolean withPort = s.config.schedulerFlags.contains("sh-port");
      int addr = fold(datagram, source);
      int port = source && withPort ? datagram.sourcePort() : 0;
      int hash = hash32(port + addr);
      Destination d = t[hash];
      if (eligible(d)) {
        return d;
      }
      if (!source || !s.config.schedulerFlags.contains("sh-fallback")) {
        return null;
      }
      for (int offset = 0; offset < 256; offset++) {
        int roffset = (offset + hash) % 256;
        Destination f = t[(roffset + hash32(port + addr)) % 256];
        if (eligible(f)) {
          return f;
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
