package io.pe4j.forwarder;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.ChannelFuture;
import io.pe4j.api.Protocol;
import io.pe4j.core.VirtualService;
import java.net.BindException;
import java.net.InetSocketAddress;
import java.net.SocketException;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Function;
import org.jspecify.annotations.Nullable;

/**
 * The virtual services' sockets: which addresses are bound, one socket per event loop where the
 * transport shares ports (one otherwise), brought in line with the core's services.
 */
final class Bindings {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder");

  private final Map<InetSocketAddress, Sessions.Binding> bound = new ConcurrentHashMap<>();
  private final Sessions sessions;
  private final Transport transport;
  private final int threads;
  private final boolean sharePort;
  private final boolean ipv4Only;
  private final Function<Sessions.Binding, Bootstrap> vipBootstrap;

  Bindings(
      Sessions sessions,
      Transport transport,
      int threads,
      boolean sharePort,
      boolean ipv4Only,
      Function<Sessions.Binding, Bootstrap> vipBootstrap) {
    this.sessions = sessions;
    this.transport = transport;
    this.threads = threads;
    this.sharePort = sharePort;
    this.ipv4Only = ipv4Only;
    this.vipBootstrap = vipBootstrap;
  }

  /** The binding of a virtual address, or null. */
  Sessions.@Nullable Binding get(InetSocketAddress vip) {
    return bound.get(vip);
  }

  Collection<Sessions.Binding> all() {
    return bound.values();
  }

  List<InetSocketAddress> addresses() {
    return List.copyOf(bound.keySet());
  }

  /**
   * Binds the UDP services of {@code services} not bound yet, and releases (sockets and sessions)
   * those no longer among them.
   *
   * @throws IllegalStateException naming a service whose address cannot be bound (the others stay
   *     bound)
   */
  void update(List<VirtualService> services) {
    Map<InetSocketAddress, String> wanted = new LinkedHashMap<>();
    for (VirtualService svc : services) {
      if (svc.protocol() != Protocol.UDP || svc.fwmark() != 0 || svc.port() == 0) {
        LOG.log(
            System.Logger.Level.WARNING,
            "not binding {0}: only UDP services with an address and port can be",
            svc);
        continue;
      }
      if (ipv4Only && svc.address().isIpv6()) {
        LOG.log(
            System.Logger.Level.WARNING,
            "not binding {0}: transparent mode serves IPv4 services only",
            svc);
        continue;
      }
      wanted.put(new InetSocketAddress(svc.address().toInetAddress(), svc.port()), svc.toString());
    }
    for (Sessions.Binding b : List.copyOf(bound.values())) {
      if (!wanted.containsKey(b.vip)) {
        bound.remove(b.vip);
        b.close();
        LOG.log(System.Logger.Level.INFO, "released {0}", b.name);
      }
    }
    IllegalStateException failure = null;
    for (Map.Entry<InetSocketAddress, String> e : wanted.entrySet()) {
      if (!bound.containsKey(e.getKey())) {
        try {
          bound.put(e.getKey(), bind(e.getKey(), e.getValue()));
        } catch (IllegalStateException ex) {
          if (failure == null) {
            failure = ex;
          } else {
            failure.addSuppressed(ex);
          }
        }
      }
    }
    if (failure != null) {
      throw failure;
    }
  }

  private Sessions.Binding bind(InetSocketAddress vip, String name) {
    if (transport.sharesPorts() && !sharePort) {
      probeExclusive(vip, name);
    }
    Sessions.Binding binding = sessions.binding(vip, name);
    int sockets = transport.sharesPorts() ? threads : 1;
    for (int i = 0; i < sockets; i++) {
      ChannelFuture f = vipBootstrap.apply(binding).bind(vip).awaitUninterruptibly();
      if (!f.isSuccess()) {
        binding.close();
        throw new IllegalStateException(
            "cannot bind " + name + ": " + Transport.describe(f.cause()), f.cause());
      }
      binding.channels.add(f.channel());
    }
    return binding;
  }

  /**
   * Refuses an address that another socket already holds: with {@code SO_REUSEPORT} the kernel
   * would otherwise split clients silently between two independent template tables.
   */
  private static void probeExclusive(InetSocketAddress vip, String name) {
    try (java.net.DatagramSocket probe = new java.net.DatagramSocket(null)) {
      probe.setReuseAddress(false);
      probe.bind(vip);
    } catch (BindException e) {
      throw new IllegalStateException(
          "cannot bind "
              + name
              + ": the address is already in use (another pe4j forward? to share it between"
              + " processes on purpose, start each with --share-port)",
          e);
    } catch (SocketException e) {
      throw new IllegalStateException("cannot bind " + name + ": " + e.getMessage(), e);
    }
  }

  /** Closes every socket and session. */
  void closeAll() {
    for (Sessions.Binding b : List.copyOf(bound.values())) {
      b.close();
    }
    bound.clear();
  }
}
