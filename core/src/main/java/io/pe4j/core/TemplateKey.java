package io.pe4j.core;

import io.pe4j.api.ConnParam;
import io.pe4j.api.PeData;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The key of the template table. One final class serves as the stored key of a template and as a
 * reusable, thread-confined probe over a {@link ConnParam}, so a template hit allocates nothing
 * (the probe is never stored). With pe data, equality and hash are the engine's {@code ctMatch} and
 * {@code hashKey} (spec §3.2); without, the key fields.
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

  /** Set on a probe: the parameter whose pe data it looks up. */
  @Nullable ConnParam param;

  /** Set on a stored key: its template. */
  @Nullable Template template;

  /** An invalidated template's key equals only itself (spec §3.5, ports FFFF). */
  boolean identityOnly;

  int hash;

  static TemplateKey stored(Template t, @Nullable PersistenceEngine engine, int hash) {
    TemplateKey k = new TemplateKey();
    k.ipv6 = t.ipv6;
    k.protocol = t.protocol;
    k.clientHi = t.clientHi;
    k.clientLo = t.clientLo;
    k.virtualHi = t.virtualHi;
    k.virtualLo = t.virtualLo;
    k.virtualPort = t.virtualPort;
    k.engine = engine;
    k.template = t;
    k.hash = hash;
    return k;
  }

  static TemplateKey invalidated(Template t) {
    TemplateKey k = stored(t, t.engine(), System.identityHashCode(t));
    k.identityOnly = true;
    return k;
  }

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
    this.template = null;
    this.identityOnly = false;
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

  private @Nullable PeData storedPeData() {
    Template t = template;
    return t == null ? null : t.peData;
  }

  private boolean hasPeData() {
    ConnParam p = param;
    return template != null ? storedPeData() != null : p != null && p.hasPeData() && engine != null;
  }

  @Override
  public int hashCode() {
    return hash;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    if (this == o) {
      return true;
    }
    if (!(o instanceof TemplateKey)) {
      return false;
    }
    TemplateKey other = (TemplateKey) o;
    if (identityOnly || other.identityOnly || engine != other.engine) {
      return false;
    }
    boolean pe = hasPeData();
    if (pe != other.hasPeData()) {
      return false;
    }
    if (!pe) {
      return sameFields(other);
    }
    PersistenceEngine e = Objects.requireNonNull(engine);
    ConnParam probe =
        param != null && template == null
            ? param
            : other.param != null && other.template == null ? other.param : null;
    Template stored = template != null ? template : other.template;
    if (probe != null && stored != null) {
      try {
        return e.ctMatch(probe, stored);
      } catch (RuntimeException ex) {
        return false;
      }
    }
    return sameFields(other) && Objects.equals(storedPeData(), other.storedPeData());
  }

  private boolean sameFields(TemplateKey o) {
    return ipv6 == o.ipv6
        && protocol == o.protocol
        && clientHi == o.clientHi
        && clientLo == o.clientLo
        && virtualHi == o.virtualHi
        && virtualLo == o.virtualLo
        && virtualPort == o.virtualPort;
  }
}
