package io.pe4j.core;

import io.pe4j.api.ConnParam;
import io.pe4j.api.PeData;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import org.jspecify.annotations.Nullable;

/**
 * A lookup in the template table: a reusable, thread-confined probe over a {@link ConnParam}, so a
 * template hit allocates nothing. It is never stored — a stored template is its own key (see {@link
 * Template#equals}). With pe data, a probe finds the template that the engine's {@code ctMatch}
 * accepts, in the bucket of the engine's {@code hashKey} (spec §3.2); without, the one with the
 * same key fields.
 */
final class TemplateKey {

  boolean ipv6;
  Protocol protocol = Protocol.UDP;
  long clientHi;
  long clientLo;
  long virtualHi;
  long virtualLo;
  int virtualPort;
  @Nullable PersistenceEngine engine;

  /** The parameter whose pe data it looks up. */
  @Nullable ConnParam param;

  int hash;

  /** Points this probe at {@code p}; {@code engine} is null when the lookup carries no pe data. */
  TemplateKey probe(ConnParam p, @Nullable PersistenceEngine engine, int seed) {
    this.ipv6 = p.isIpv6();
    this.protocol = p.protocol();
    this.clientHi = p.clientHi();
    this.clientLo = p.clientLo();
    this.virtualHi = p.virtualHi();
    this.virtualLo = p.virtualLo();
    this.virtualPort = p.virtualPort();
    this.engine = engine;
    this.param = p;
    int h;
    if (engine != null) {
      try {
        h = engine.hashKey(p, seed);
      } catch (RuntimeException e) {
        h = p.peDataHash(seed); // a throwing engine is counted elsewhere; keep the table sane
      }
    } else {
      long mixed = clientHi * 31 + clientLo;
      mixed = mixed * 31 + virtualHi;
      mixed = mixed * 31 + virtualLo;
      mixed = mixed * 31 + virtualPort * 257L + protocol.number();
      h = Long.hashCode(mixed * 0x9E3779B97F4A7C15L) ^ seed;
    }
    this.hash = h;
    return this;
  }

  @Nullable PeData copyPeData() {
    ConnParam p = param;
    return engine != null && p != null && p.hasPeData() ? p.peDataCopy() : null;
  }

  private boolean hasPeData() {
    ConnParam p = param;
    return p != null && p.hasPeData() && engine != null;
  }

  @Override
  public int hashCode() {
    return hash;
  }

  /**
   * Whether this probe finds {@code o}: a template of the same engine, not invalidated, that the
   * engine's {@code ctMatch} accepts (with pe data) or with the same key fields (without). A probe
   * equals only itself among probes; they are never stored.
   */
  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof Template)) {
      return false;
    }
    Template t = (Template) o;
    PersistenceEngine e = engine;
    if (t.isIdentityOnly() || e != t.engine) {
      return false;
    }
    boolean pe = hasPeData();
    if (pe != (t.peData != null)) {
      return false;
    }
    ConnParam p = param;
    if (!pe || e == null || p == null) {
      return t.sameKeyFields(this);
    }
    try {
      return e.ctMatch(p, t);
    } catch (RuntimeException ex) {
      return false;
    }
  }
}
