package io.pe4j.core;

import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Consumer;

/** Who is told what each publication changed ({@link ConfigChange}), and the telling. */
final class ConfigListeners {

  private static final System.Logger LOG = System.getLogger("io.pe4j.core");

  private final List<Consumer<ConfigChange>> listeners = new CopyOnWriteArrayList<>();

  void add(Consumer<ConfigChange> listener) {
    listeners.add(Objects.requireNonNull(listener, "listener"));
  }

  void remove(Consumer<ConfigChange> listener) {
    listeners.remove(Objects.requireNonNull(listener, "listener"));
  }

  /** Tells the listeners what changed from {@code before} to {@code after}. */
  void tell(Configuration before, Configuration after) {
    if (listeners.isEmpty()) {
      return;
    }
    List<VirtualService> added = new ArrayList<>();
    List<VirtualService> edited = new ArrayList<>();
    List<VirtualService> serversChanged = new ArrayList<>();
    for (ServiceConfig c : after.services) {
      ServiceConfig old = before.of(c.service());
      if (old == null) {
        added.add(c.service());
        continue;
      }
      if (old.servers != c.servers) {
        serversChanged.add(c.service());
      }
      if (!sameOptions(old, c)) {
        edited.add(c.service());
      }
    }
    List<VirtualService> removed = new ArrayList<>();
    for (ServiceConfig c : before.services) {
      if (after.of(c.service()) == null) {
        removed.add(c.service());
      }
    }
    boolean globals =
        !before.timeouts.equals(after.timeouts)
            || before.expireNodestConn != after.expireNodestConn
            || before.expireQuiescentTemplate != after.expireQuiescentTemplate;
    ConfigChange change =
        new ConfigChange(after.generation, added, removed, edited, serversChanged, globals);
    for (Consumer<ConfigChange> l : listeners) {
      try {
        l.accept(change);
      } catch (RuntimeException e) {
        LOG.log(System.Logger.Level.WARNING, "a configuration listener failed", e);
      }
    }
  }

  private static boolean sameOptions(ServiceConfig a, ServiceConfig b) {
    return a.schedulerName.equals(b.schedulerName)
        && a.scheduler == b.scheduler
        && a.schedulerFlags.equals(b.schedulerFlags)
        && a.persistent == b.persistent
        && a.timeoutSeconds == b.timeoutSeconds
        && a.netmask == b.netmask
        && a.onePacket == b.onePacket
        && a.engine == b.engine
        && a.failurePolicy == b.failurePolicy;
  }
}
