package io.pe4j.cli;

import io.pe4j.api.PeData;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import io.pe4j.api.TemplateView;

/** A stand-alone template view, so an engine can print pe data outside a core. */
final class Templates {
  private Templates() {}

  /** A template carrying only an engine and its pe data. */
  record View(PersistenceEngine engine, PeData peData) implements TemplateView {
    @Override
    public boolean isIpv6() {
      return false;
    }

    @Override
    public Protocol protocol() {
      return Protocol.UDP;
    }

    @Override
    public long clientHi() {
      return 0;
    }

    @Override
    public long clientLo() {
      return 0;
    }

    @Override
    public int clientPort() {
      return 0;
    }

    @Override
    public long virtualHi() {
      return 0;
    }

    @Override
    public long virtualLo() {
      return 0;
    }

    @Override
    public int virtualPort() {
      return 0;
    }
  }
}
