package io.pe4j.core;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import java.util.Locale;

/**
 * Says what the core would do with a client's datagram and why, step by step as {@link PacketPath}
 * takes them — connection, service, engine, template key, template, verdict — without doing any of
 * it: nothing is created, refreshed, counted or scheduled.
 */
final class Explainer {

  private static final long SECOND = 1_000_000_000L;

  private final ConfigPlane config;
  private final TemplateTable templates;
  private final ConnectionTable connections;
  private final int seed;

  Explainer(ConfigPlane config, TemplateTable templates, ConnectionTable connections, int seed) {
    this.config = config;
    this.templates = templates;
    this.connections = connections;
    this.seed = seed;
  }

  String explain(Datagram d, long now) {
    StringBuilder sb = new StringBuilder();
    sb.append(
        String.format(
            Locale.ROOT,
            "datagram:     %s %s -> %s, %d bytes%n",
            d.protocol(),
            d.sourceAddress().withPort(d.sourcePort()),
            d.destinationAddress().withPort(d.destinationPort()),
            d.payloadLength()));
    Connection c = connections.find(new ConnKey().of(d), now);
    if (c != null) {
      sb.append("connection:   ")
          .append(c.destination.address.withPort(c.destinationPort))
          .append(", expires in ")
          .append(Math.max(0, (c.expiresAt - now) / SECOND))
          .append(" s (an existing connection wins over templates and engines)\n");
      return verdict(sb, c.destination.available ? c.verdict.toString() : "DROP (server deleted)");
    }
    sb.append("connection:   none\n");
    VirtualService svc = config.findService(d);
    if (svc == null) {
      sb.append("service:      none\n");
      return verdict(sb, "PASS (no virtual service: the host's own business)");
    }
    ServiceConfig cfg = svc.config;
    sb.append("service:      ").append(svc).append(" -s ").append(cfg.schedulerName);
    if (cfg.persistent) {
      sb.append(" -p ").append(cfg.timeoutSeconds);
    }
    if (cfg.onePacket) {
      sb.append(" -o");
    }
    PersistenceEngine engine = cfg.engine;
    if (engine != null) {
      sb.append(" --pe ").append(engine.name()).append(" --pe-failure ");
      sb.append(cfg.failurePolicy.name().toLowerCase(Locale.ROOT));
    }
    sb.append('\n');
    if (!cfg.persistent) {
      sb.append("template:     none (not persistent)\n");
      return verdict(sb, "scheduled by " + cfg.schedulerName + " (explain schedules nothing)");
    }
    ConnParam param = PacketPath.fillKey(svc, cfg, d, new ConnParam());
    PersistenceEngine keyEngine = null;
    if (engine != null) {
      PeResult r = PacketPath.fill(engine, param, d, false);
      if (r.isMatch()) {
        keyEngine = engine;
        sb.append("engine:       ").append(engine.name()).append(" found ");
        sb.append(param.peDataPrintable()).append('\n');
      } else {
        sb.append("engine:       ").append(engine.name()).append(" found no key: ");
        sb.append(r.reason()).append('\n');
        if (cfg.failurePolicy == FailurePolicy.DROP) {
          return verdict(sb, "DROP " + r.reason() + " (--pe-failure drop)");
        }
        sb.append("              falling back to address persistence (--pe-failure fallback)\n");
        param.clearPeData();
      }
    }
    sb.append("template key: ").append(param.protocol()).append(' ');
    sb.append(param.clientAddress()).append(" -> ");
    sb.append(
        param.protocol() == Protocol.IP
            ? "fwmark " + param.virtualLo()
            : io.pe4j.api.IpAddress.of(param.isIpv6(), param.virtualHi(), param.virtualLo())
                .withPort(param.virtualPort()));
    if (keyEngine != null) {
      sb.append(" pe ").append(keyEngine.name()).append(' ').append(param.peDataPrintable());
    }
    sb.append('\n');
    Template t = templates.find(new TemplateKey().probe(param, keyEngine, seed), now);
    if (t == null) {
      sb.append("template:     none\n");
      return verdict(
          sb,
          "a new template, its server picked by "
              + cfg.schedulerName
              + " among "
              + svc.destinations.size()
              + " servers (explain schedules nothing)");
    }
    Destination dest = t.destination;
    sb.append("template:     found: ").append(dest.address.withPort(t.destinationPort));
    sb.append(t.isAssured() ? ", ASSURED" : ", NONE");
    sb.append(", expires in ").append(Math.max(0, t.remainingNanos(now) / SECOND)).append(" s\n");
    if (!dest.available) {
      return verdict(sb, "the template is invalid (server deleted): a new one is scheduled");
    }
    if (config.expireQuiescentTemplate && dest.weight == 0) {
      return verdict(
          sb, "the template is invalid (quiescent server, expire_quiescent_template): rescheduled");
    }
    return verdict(sb, "FORWARD " + dest.address.withPort(t.destinationPort));
  }

  /**
   * Whether processing {@code d} now would create a template: a persistent service, no connection
   * and no live template for the datagram's key (its engine's key, or its address when the engine
   * finds none and the service falls back). Changes nothing.
   */
  boolean wouldCreateTemplate(Datagram d, long now) {
    if (connections.find(new ConnKey().of(d), now) != null) {
      return false;
    }
    VirtualService svc = config.findService(d);
    if (svc == null || !svc.config.persistent) {
      return false;
    }
    ServiceConfig cfg = svc.config;
    ConnParam param = PacketPath.fillKey(svc, cfg, d, new ConnParam());
    PersistenceEngine keyEngine = null;
    PersistenceEngine engine = cfg.engine;
    if (engine != null) {
      if (PacketPath.fill(engine, param, d, false).isMatch()) {
        keyEngine = engine;
      } else if (cfg.failurePolicy == FailurePolicy.DROP) {
        return false;
      } else {
        param.clearPeData();
      }
    }
    Template t = templates.find(new TemplateKey().probe(param, keyEngine, seed), now);
    return t == null || !t.destination.available;
  }

  private static String verdict(StringBuilder sb, String v) {
    return sb.append("verdict:      ").append(v).append('\n').toString();
  }
}
