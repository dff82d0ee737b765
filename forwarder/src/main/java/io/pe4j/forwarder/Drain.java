package io.pe4j.forwarder;

import io.netty.bootstrap.Bootstrap;
import io.netty.channel.Channel;
import io.netty.channel.ChannelFuture;
import io.pe4j.api.Datagram;
import io.pe4j.api.Protocol;
import io.pe4j.core.Ipvs;
import io.pe4j.core.VirtualService;
import java.net.InetSocketAddress;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

/**
 * A graceful drain: the shared virtual sockets close so that the kernel sends new clients to the
 * other nodes, each client with a session keeps a socket of the virtual address connected to it
 * alone, and what is not this node's any more is refused (counted) so that its retransmission
 * reaches another node.
 */
final class Drain {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder");

  private final Ipvs ipvs;
  private final ForwarderStats stats;
  private final Sessions sessions;

  /**
   * Set when the drain starts: a datagram from a client without a session here is dropped (counted)
   * before the core sees it, and so is a new call on a kept session ({@link
   * #newCallOnKeptSession}).
   */
  volatile boolean draining;

  Drain(Ipvs ipvs, ForwarderStats stats, Sessions sessions) {
    this.ipvs = ipvs;
    this.stats = stats;
    this.sessions = sessions;
  }

  /**
   * Starts the drain: gives each session of each binding a socket of the virtual address connected
   * to its client (opened in parallel), then closes the shared sockets; {@code vipBootstrap} makes
   * a binding's virtual sockets. Without port sharing the shared sockets close first (the own ones
   * could not bind beside them). Returns the sessions kept.
   */
  int start(
      Collection<Sessions.Binding> bindings,
      Function<Sessions.Binding, Bootstrap> vipBootstrap,
      boolean sharesPorts) {
    draining = true; // no new client from now; a new call on a kept socket is refused
    for (Sessions.Binding b : bindings) {
      List<Channel> shared = List.copyOf(b.channels);
      if (!sharesPorts) {
        for (Channel c : shared) {
          c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        }
      }
      List<InetSocketAddress> clients = List.copyOf(b.sessions.keySet());
      List<ChannelFuture> opening = new ArrayList<>(clients.size());
      for (InetSocketAddress client : clients) {
        opening.add(vipBootstrap.apply(b).connect(client, b.vip));
      }
      for (int i = 0; i < opening.size(); i++) {
        ChannelFuture f = opening.get(i).awaitUninterruptibly();
        if (f.isSuccess() && !replyVia(b, clients.get(i), f.channel())) {
          f.channel().close(); // the session left meanwhile
        } else if (!f.isSuccess()) {
          LOG.log(
              System.Logger.Level.WARNING,
              "drain: no own socket for {0}: {1}",
              clients.get(i),
              Transport.describe(f.cause()));
        }
      }
      for (Channel c : shared) {
        c.close().awaitUninterruptibly(2, TimeUnit.SECONDS);
        b.channels.remove(c);
      }
    }
    int kept = kept(bindings);
    LOG.log(System.Logger.Level.INFO, "draining: {0} sessions kept, new clients refused", kept);
    return kept;
  }

  /**
   * Sends the replies of {@code client}'s session through {@code own}, a socket of the virtual
   * address connected to that client; returns whether the session was still there.
   */
  private boolean replyVia(Sessions.Binding b, InetSocketAddress client, Channel own) {
    Sessions.Session s = b.sessions.get(client);
    if (s == null) {
      return false;
    }
    synchronized (s) {
      if (s.ownSocket || s.closed) {
        return false; // it has one already
      }
      s.ownSocket = true;
      s.clientSide = own;
    }
    b.channels.add(own);
    return true;
  }

  /** The sessions the drain gave a socket of their own. */
  int kept(Collection<Sessions.Binding> bindings) {
    int n = 0;
    for (Sessions.Binding b : bindings) {
      for (Sessions.Session s : b.sessions.values()) {
        synchronized (s) {
          n += s.ownSocket ? 1 : 0;
        }
      }
    }
    return n;
  }

  /**
   * Closes the sessions whose last datagram was a server's (nothing awaits a reply) and that have
   * been quiet for {@code idleNanos} since, with their own sockets, so that those clients' next
   * datagrams go to the other nodes. Returns the sessions left.
   */
  int releaseIdle(Collection<Sessions.Binding> bindings, long idleNanos) {
    long now = ipvs.now();
    int left = 0;
    for (Sessions.Binding b : bindings) {
      for (Sessions.Session s : List.copyOf(b.sessions.values())) {
        if (s.answered && now - s.lastUsed >= idleNanos && b.sessions.remove(s.client, s)) {
          release(b, s);
        } else {
          left++;
        }
      }
    }
    return left;
  }

  private void release(Sessions.Binding b, Sessions.Session s) {
    Channel own = s.clientSide;
    sessions.close(s);
    b.channels.remove(own);
    own.close();
  }

  /** During a drain: whether this datagram is not this node's any more (dropped and counted). */
  boolean refuses(Sessions.Binding b, InetSocketAddress client, Datagram d) {
    if (b.sessions.get(client) == null) {
      stats.drop("drain: a new client (left to the other nodes)");
      return true;
    }
    return newCallOnKeptSession(b, client, d);
  }

  /**
   * On a session kept with its own socket: a datagram that would start a new template — a new call
   * from a client that reused a kept source port — is not this node's any more. It is dropped
   * (counted) and, when nothing awaits a reply on the session, the session is released at once, so
   * that the client's retransmission reaches another node. Checked before {@link Ipvs#process}
   * commits; a session's own datagrams pass.
   */
  private boolean newCallOnKeptSession(Sessions.Binding b, InetSocketAddress client, Datagram d) {
    Sessions.Session s = b.sessions.get(client);
    boolean own;
    if (s == null) {
      return false;
    }
    synchronized (s) {
      if (s.closed) {
        return false;
      }
      own = s.ownSocket;
    }
    try {
      if (nodesAgree(b) || !ipvs.wouldCreateTemplate(d)) {
        return false;
      }
    } catch (RuntimeException e) {
      return false; // process() meets it again and counts it
    }
    stats.drop("drain: a new call on a kept client socket (left to the other nodes)");
    if (own && s.answered && b.sessions.remove(client, s)) { // nothing awaits a reply: let go
      release(b, s);
    }
    return true;
  }

  /**
   * Whether every node would send a new call of {@code b}'s service to the same server on its own
   * (shared templates, or {@code mh} hashing the engine's key): then a new call may start on a
   * draining node and end on another.
   */
  private boolean nodesAgree(Sessions.Binding b) {
    if (ipvs.isClustered()) {
      return true;
    }
    VirtualService svc = ipvs.service(Protocol.UDP, b.vipAddress, b.vip.getPort(), 0);
    return svc != null
        && svc.schedulerName().equals("mh")
        && svc.schedulerFlags().contains("mh-pe");
  }
}
