package io.pe4j.core;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;

/** A template's key (spec §3.1) and the engine's part of it, asked for without trusting it. */
final class Keys {

  private static final System.Logger LOG = System.getLogger("io.pe4j.core");
  private static final String ENGINE_ERROR = "engine error";

  private Keys() {}

  /** Fills the key fields of a template lookup, spec §3.1. */
  static ConnParam fillKey(VirtualService svc, ServiceConfig cfg, Datagram d, ConnParam param) {
    long clientHi = cfg.maskHi(svc.ipv6, d.sourceHi());
    long clientLo = cfg.maskLo(svc.ipv6, d.sourceLo());
    int dp = d.destinationPort();
    boolean mark = svc.fwmark != 0 && dp != svc.port; // a fwmark template: the mark, port 0
    int vport = mark || svc.port == 0 || (svc.port == 21 && dp == 21) ? 0 : dp;
    return param.set(
        d.isIpv6(),
        mark ? Protocol.IP : d.protocol(),
        clientHi,
        clientLo,
        0,
        mark ? 0 : d.destinationHi(),
        mark ? svc.fwmark & 0xffff_ffffL : d.destinationLo(),
        vport,
        cfg.engine);
  }

  /**
   * Asks the engine for its key ({@code fillParam}, or {@code connOut} when {@code out}): a throw,
   * a null result or a match without pe data is the no-match {@code engine error}.
   */
  static PeResult fill(PersistenceEngine engine, ConnParam param, Datagram d, boolean out) {
    try {
      PeResult r = out ? engine.connOut(param, d) : engine.fillParam(param, d);
      if (r == null || (r.isMatch() && !param.hasPeData())) {
        param.clearPeData();
        return PeResult.noMatch(ENGINE_ERROR);
      }
      return r;
    } catch (RuntimeException | StackOverflowError e) {
      param.clearPeData();
      LOG.log(System.Logger.Level.WARNING, "persistence engine " + engine.name() + " threw", e);
      return PeResult.noMatch(ENGINE_ERROR);
    }
  }
}
