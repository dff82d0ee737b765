package io.pe4j.cluster;

import org.jgroups.protocols.DISCARD;
import org.jgroups.protocols.TP;
import org.jgroups.stack.ProtocolStack;

/** Cuts a member off the network (every message to and from it dropped) and heals it. */
final class Partition {

  private Partition() {}

  static void isolate(ClusterMember m) throws Exception {
    DISCARD d = new DISCARD();
    d.discardAll(true);
    m.channel().getProtocolStack().insertProtocol(d, ProtocolStack.Position.ABOVE, TP.class);
  }

  static void heal(ClusterMember m) {
    m.channel().getProtocolStack().removeProtocol(DISCARD.class);
  }
}
