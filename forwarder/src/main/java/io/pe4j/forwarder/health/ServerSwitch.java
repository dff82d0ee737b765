package io.pe4j.forwarder.health;

import io.pe4j.core.Destination;
import io.pe4j.core.DestinationSpec;
import io.pe4j.core.Ipvs;
import io.pe4j.core.VirtualService;
import io.pe4j.forwarder.health.HealthChecker.State;
import java.util.concurrent.atomic.AtomicLong;
import org.jspecify.annotations.Nullable;

/**
 * One checked server in or out of the core: taken out (quiesced, or removed) when its check fails
 * {@code fall} times, put back as it was when it passes {@code rise} times — and the operator wins
 * meanwhile: a weight set while it is down is the weight it comes back with, a deletion is final.
 * Owned by the checker's thread; {@link #state} and the counters are read from any thread.
 */
final class ServerSwitch {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder.health");

  private final Ipvs ipvs;
  private final HealthCheck check;
  volatile State state = State.UP;
  final AtomicLong wentDown = new AtomicLong();
  final AtomicLong cameUp = new AtomicLong();

  /**
   * The server as it was before it was taken out, to restore: its options, with the weight the
   * operator last set; null while it is up.
   */
  @Nullable DestinationSpec saved;

  /** Whether the operator deleted the server while it was down: it is not added back. */
  boolean deletedByOperator;

  ServerSwitch(Ipvs ipvs, HealthCheck check) {
    this.ipvs = ipvs;
    this.check = check;
  }

  /** Takes over a replaced check's state. */
  void inherit(ServerSwitch old) {
    state = old.state;
    saved = old.saved;
    deletedByOperator = old.deletedByOperator;
    wentDown.set(old.wentDown.get());
    cameUp.set(old.cameUp.get());
  }

  private @Nullable VirtualService service() {
    return ipvs.service(check.protocol(), check.vip(), check.vport(), 0);
  }

  /**
   * While down, reads what the operator did to the server since it was taken out: a weight set is
   * kept for its return (the server stays out), a deletion is final.
   */
  void reconcile() {
    DestinationSpec s = saved;
    if (state != State.DOWN || s == null) {
      return;
    }
    VirtualService svc = service();
    Destination d = svc == null ? null : HealthChecker.destination(svc, check);
    if (svc == null || (d == null && !check.remove())) {
      if (!deletedByOperator) {
        deletedByOperator = true;
        LOG.log(
            System.Logger.Level.INFO,
            HealthChecker.id(check)
                + ": deleted by the operator while down; it will not be added back");
      }
      return;
    }
    if (d != null) {
      deletedByOperator = false;
      if (d.weight() != 0 || check.remove()) { // the operator set a weight, or added it back
        saved = d.spec();
        LOG.log(
            System.Logger.Level.INFO,
            HealthChecker.id(check)
                + ": weight "
                + d.weight()
                + " set while down: kept for its return; it stays out until then");
        if (check.remove()) {
          ipvs.control().deleteDestination(svc, check.server(), check.port());
        } else {
          ipvs.control().editDestination(svc, d.spec().withWeight(0));
        }
      }
    }
  }

  void down(String problem, int consecutiveFailed) {
    VirtualService svc = service();
    Destination d = svc == null ? null : HealthChecker.destination(svc, check);
    state = State.DOWN;
    wentDown.incrementAndGet();
    if (svc == null || d == null) {
      LOG.log(
          System.Logger.Level.WARNING,
          HealthChecker.id(check) + ": down (" + problem + "), not listed");
      return;
    }
    saved = d.spec();
    deletedByOperator = false;
    if (check.remove()) {
      ipvs.control().deleteDestination(svc, check.server(), check.port());
    } else {
      ipvs.control().editDestination(svc, d.spec().withWeight(0));
    }
    LOG.log(
        System.Logger.Level.WARNING,
        HealthChecker.id(check)
            + ": DOWN after "
            + consecutiveFailed
            + " failed checks ("
            + problem
            + "): "
            + (check.remove() ? "removed" : "quiesced (weight 0), its calls drain"));
  }

  void up(int weight, int consecutiveOk) {
    VirtualService svc = service();
    state = State.UP;
    cameUp.incrementAndGet();
    DestinationSpec s = saved;
    saved = null;
    if (svc == null || s == null) {
      return;
    }
    if (deletedByOperator) {
      deletedByOperator = false;
      LOG.log(
          System.Logger.Level.INFO,
          HealthChecker.id(check) + ": UP, but the operator deleted it while down: not added back");
      return;
    }
    DestinationSpec restored = weight >= 0 ? s.withWeight(weight) : s;
    Destination d = HealthChecker.destination(svc, check);
    if (d == null) {
      ipvs.control().addDestination(svc, restored);
    } else {
      ipvs.control().editDestination(svc, restored);
    }
    LOG.log(
        System.Logger.Level.INFO,
        HealthChecker.id(check)
            + ": UP after "
            + consecutiveOk
            + " good checks, weight "
            + restored.weight());
  }

  void setWeight(int weight) {
    VirtualService svc = service();
    Destination d = svc == null ? null : HealthChecker.destination(svc, check);
    if (svc != null && d != null && d.weight() != weight) {
      ipvs.control().editDestination(svc, d.spec().withWeight(weight));
    }
  }
}
