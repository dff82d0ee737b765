package io.pe4j.testkit.gallery;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.nio.ByteBuffer;

/**
 * A small correct engine, the base of the broken gallery: a datagram {@code KEY value\n...} has the
 * pe data {@code value}.
 */
public class KeyEngine implements PersistenceEngine {

  static final PeResult NO_KEY = PeResult.noMatch("no KEY");
  static final PeResult NOT_UDP = PeResult.noMatch("not UDP");

  @Override
  public String name() {
    return "gallery-key";
  }

  @Override
  public PeResult fillParam(ConnParam param, Datagram d) {
    if (d.protocol() != Protocol.UDP) {
      return NOT_UDP;
    }
    ByteBuffer b = d.payload();
    int o = d.payloadOffset();
    int n = d.payloadLength();
    if (n < 5
        || b.get(o) != 'K'
        || b.get(o + 1) != 'E'
        || b.get(o + 2) != 'Y'
        || b.get(o + 3) != ' ') {
      return NO_KEY;
    }
    int end = o + 4;
    while (end < o + n && b.get(end) != '\n') {
      end++;
    }
    return param.match(b, o + 4, end - o - 4);
  }
}
