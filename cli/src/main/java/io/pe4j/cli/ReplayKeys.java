package io.pe4j.cli;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.TemplateView;
import org.jspecify.annotations.Nullable;

/**
 * The engines of a replay, each wrapped so that the key the core's own call extracted is kept for
 * the report: a datagram is parsed once, as on the balancer, not once more to count its call. A
 * replay runs on one thread; the last key belongs to the datagram the core processed last.
 */
final class ReplayKeys {

  private long sequence;
  private long keyedSequence = -1;
  private final ReplayCalls.Key key = new ReplayCalls.Key();
  private boolean matched;

  /** The installed engines, wrapped. */
  PersistenceEngines engines() {
    PersistenceEngines out = new PersistenceEngines();
    for (PersistenceEngine e : PersistenceEngines.installed().engines()) {
      out.register(new Recording(e));
    }
    return out;
  }

  /** A new datagram is about to be processed. */
  void next() {
    sequence++;
  }

  /** Whether the core asked an engine for this datagram's key. */
  boolean asked() {
    return keyedSequence == sequence;
  }

  /**
   * The key the engine found for this datagram, or null (no match, or not asked); refilled for the
   * next datagram.
   */
  ReplayCalls.@Nullable Key key() {
    return asked() && matched ? key : null;
  }

  private final class Recording implements PersistenceEngine {
    private final PersistenceEngine engine;

    Recording(PersistenceEngine engine) {
      this.engine = engine;
    }

    @Override
    public String name() {
      return engine.name();
    }

    @Override
    public String description() {
      return engine.description();
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram datagram) {
      PeResult r = engine.fillParam(param, datagram);
      if (keyedSequence != sequence) { // the first call for this datagram: the forward key
        keyedSequence = sequence;
        matched = r.isMatch() && param.hasPeData();
        if (matched) {
          key.fill(param);
        }
      }
      return r;
    }

    @Override
    public boolean ctMatch(ConnParam param, TemplateView template) {
      return engine.ctMatch(param, template);
    }

    @Override
    public int hashKey(ConnParam param, int seed) {
      return engine.hashKey(param, seed);
    }

    @Override
    public String showPeData(TemplateView template) {
      return engine.showPeData(template);
    }

    @Override
    public boolean supportsConnOut() {
      return engine.supportsConnOut();
    }

    @Override
    public PeResult connOut(ConnParam param, Datagram datagram) {
      return engine.connOut(param, datagram);
    }
  }
}
