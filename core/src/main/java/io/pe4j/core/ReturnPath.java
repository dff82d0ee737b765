package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;

/**
 * The life of a real server's datagram to a client (spec §6.10), readable top to bottom: a reply on
 * a known connection, or a server-originated datagram that the engine's {@code conn_out} keys, so
 * that its Call-ID's template is refreshed or re-bound to the sending server. It reads one
 * published configuration per datagram and shares {@link PacketPath}'s template and connection
 * operations.
 */
final class ReturnPath {

  private final Ticker ticker;
  private final ConfigPlane config;
  private final TemplateTable templates;
  private final ConnectionTable connections;
  private final PacketPath path;
  private final int seed;
  private final ThreadLocal<PacketPath.Scratch> scratch =
      ThreadLocal.withInitial(PacketPath.Scratch::new);

  ReturnPath(
      Ticker ticker,
      ConfigPlane config,
      TemplateTable templates,
      ConnectionTable connections,
      PacketPath path,
      int seed) {
    this.ticker = ticker;
    this.config = config;
    this.templates = templates;
    this.connections = connections;
    this.path = path;
    this.seed = seed;
  }

  /**
   * Decides what happens to a datagram a real server sent to a client: a reply on a known
   * connection, or a server-originated datagram (a SIP BYE, re-INVITE or reply under OPS), which
   * the engine's {@code connOut} keys so that the Call-ID's template is refreshed or re-bound to
   * the sending server. Returns {@link Verdict.Kind#OUT} with the address and port to send from:
   * the virtual service when NATed, the server's own when it leaves un-NATed; {@link Verdict#PASS}
   * when no service or connection knows the sender.
   */
  Verdict processFromServer(Datagram d) {
    long now = ticker.read();
    PacketPath.Scratch s = scratch.get();
    Configuration conf = config.current(); // one read: this datagram sees one configuration
    ConnKey probe = s.connProbe.of(d);
    Connection c = connections.findReply(probe, now);
    if (c != null && conf.isAvailable(c.destination)) {
      connections.refresh(c, now);
      Template t = c.control;
      if (t != null) {
        t.assure(); // §3.4 item 7: a reply makes the template ASSURED
      }
      Counting.out(c.service, c.destination, d);
      return c.service.natOut;
    }
    if (conf.connOutServices == 0 || d.protocol() != Protocol.UDP) {
      return Verdict.PASS;
    }
    for (ServiceConfig cfg : conf.services) {
      VirtualService svc = cfg.service();
      PersistenceEngine engine = cfg.engine;
      if (engine == null
          || !engine.supportsConnOut()
          || svc.fwmark != 0
          || svc.port == 0
          || d.sourcePort() == 0
          || svc.ipv6 != d.isIpv6()
          || svc.protocol != Protocol.UDP) {
        continue;
      }
      Servers dests = cfg.servers;
      for (int i = 0; i < dests.size(); i++) {
        Destination dest = dests.get(i);
        if (dests.method(i) == ForwardingMethod.MASQ
            && dest.port == d.sourcePort()
            && dest.address.hi() == d.sourceHi()
            && dest.address.lo() == d.sourceLo()) {
          return connOut(conf, svc, cfg, engine, dest, d, s, now);
        }
      }
    }
    return Verdict.PASS;
  }

  private Verdict connOut(
      Configuration conf,
      VirtualService svc,
      ServiceConfig cfg,
      PersistenceEngine engine,
      Destination dest,
      Datagram d,
      PacketPath.Scratch s,
      long now) {
    Template t = null;
    if (cfg.persistent) {
      long cHi = cfg.maskHi(svc.ipv6, d.destinationHi());
      long cLo = cfg.maskLo(svc.ipv6, d.destinationLo());
      ConnParam param =
          s.param.set(
              svc.ipv6,
              Protocol.UDP,
              cHi,
              cLo,
              0,
              svc.address.hi(),
              svc.address.lo(),
              svc.port,
              engine);
      PeResult r = Keys.fill(engine, param, d, true);
      if (!r.isMatch()) {
        svc.engineFailures
            .computeIfAbsent("conn_out: " + r.reason(), PacketPath::newAdder)
            .increment();
        // [Q] §6.10: no connection; the datagram leaves with the real server's own address
        return Verdict.out(d.sourceAddress(), d.sourcePort(), "not NATed: " + r.reason());
      }
      TemplateKey probe = s.templateProbe.probe(param, engine, seed);
      t = templates.find(probe, now);
      if (t != null && !PacketPath.isValid(conf, cfg, t, dest)) {
        templates.invalidate(t, now); // re-bind the Call-ID to the sending server
        t = null;
      }
      if (t == null) {
        t = path.createTemplate(svc, cfg, probe, dest, dest.port, now, true);
      }
      if (t != null) {
        t.assure();
        templates.refresh(t, now);
      }
    }
    if (!cfg.onePacket) {
      path.addConnection(
          conf,
          svc,
          dest,
          t,
          Protocol.UDP,
          svc.ipv6,
          d.destinationHi(),
          d.destinationLo(),
          d.destinationPort(),
          svc.address.hi(),
          svc.address.lo(),
          svc.port,
          d.sourcePort(),
          dest.forwardToPort,
          now);
    }
    svc.counters.conns.increment(); // [Q] §6.10: server-originated datagrams count as connections
    dest.counters.conns.increment();
    Counting.out(svc, dest, d);
    return svc.natOut;
  }
}
