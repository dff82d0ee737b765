package com.example;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;

/** Keys on the first 8 bytes of a datagram that starts with "ECHO". */
public final class EchoEngine implements PersistenceEngine {
  private static final PeResult NOT_ECHO = PeResult.noMatch("not ECHO");

  @Override
  public String name() {
    return "echo";
  }

  @Override
  public PeResult fillParam(ConnParam param, Datagram d) {
    int o = d.payloadOffset();
    if (d.payloadLength() < 12 || d.payload().get(o) != 'E' || d.payload().get(o + 1) != 'C'
        || d.payload().get(o + 2) != 'H' || d.payload().get(o + 3) != 'O') {
      return NOT_ECHO;
    }
    return param.match(d.payload(), o + 4, 8);
  }
}
