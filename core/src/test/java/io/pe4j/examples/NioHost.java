package io.pe4j.examples;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import io.pe4j.core.Ipvs;
import io.pe4j.core.Verdict;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import java.nio.channels.DatagramChannel;
import java.nio.channels.SelectionKey;
import java.nio.channels.Selector;
import java.util.HashMap;
import java.util.Map;
import java.util.Objects;

/**
 * The README's complete host: a full-NAT UDP balancer in one thread, {@code java.nio} and pe4j's
 * core, public API only. Compiled and run by {@code NioHostTest}; README shows the tagged region.
 */
public final class NioHost implements AutoCloseable {

  // tag::host[]
  private final Ipvs ipvs;
  private final Selector selector = Selector.open();
  private final DatagramChannel vip = DatagramChannel.open(); // clients send here
  private final Map<InetSocketAddress, DatagramChannel> sessions = new HashMap<>(); // per client
  private final ByteBuffer buffer = ByteBuffer.allocateDirect(65_536);
  private final Datagram datagram = new Datagram(); // one per thread: a view, no copy
  private final IpAddress vipAddress;
  private final int vipPort;
  long dropped; // DROP and NO_DEST (the core counts them by reason too)

  public NioHost(Ipvs ipvs, InetSocketAddress address) throws IOException {
    this.ipvs = ipvs;
    vip.bind(address).configureBlocking(false).register(selector, SelectionKey.OP_READ);
    InetSocketAddress bound = (InetSocketAddress) vip.getLocalAddress();
    this.vipAddress = IpAddress.of(bound.getAddress());
    this.vipPort = bound.getPort();
  }

  /** Runs until the selector is closed. */
  public void run() throws IOException {
    while (selector.isOpen() && selector.select() >= 0 && selector.isOpen()) {
      for (SelectionKey key : selector.selectedKeys()) {
        DatagramChannel channel = (DatagramChannel) key.channel();
        buffer.clear();
        InetSocketAddress from = (InetSocketAddress) channel.receive(buffer);
        if (from == null) {
          continue;
        }
        buffer.flip();
        if (channel == vip) {
          fromClient(from);
        } else {
          fromServer((InetSocketAddress) key.attachment(), from);
        }
      }
      selector.selectedKeys().clear();
    }
  }

  private void fromClient(InetSocketAddress client) throws IOException {
    IpAddress source = IpAddress.of(client.getAddress());
    datagram.set(Protocol.UDP, source, client.getPort(), vipAddress, vipPort);
    Verdict v = ipvs.process(datagram.payload(buffer, 0, buffer.limit()));
    switch (v.kind()) {
      case FORWARD -> {
        IpAddress to = Objects.requireNonNull(v.address());
        InetSocketAddress server = new InetSocketAddress(to.toInetAddress(), v.port());
        if (session(client).send(buffer, server) == 0) {
          ipvs.notSent(v, datagram.payloadLength(), false); // the socket's buffer was full
        }
      }
      case DROP, NO_DEST -> dropped++;
      case PASS -> {} // no virtual service: not the balancer's business
      case WAIT -> throw new IllegalStateException("WAIT comes only with shared templates");
      case OUT -> throw new IllegalStateException("OUT answers processFromServer only");
    }
  }

  private void fromServer(InetSocketAddress client, InetSocketAddress server) throws IOException {
    IpAddress source = IpAddress.of(server.getAddress());
    datagram.set(
        Protocol.UDP,
        source,
        server.getPort(),
        IpAddress.of(client.getAddress()),
        client.getPort());
    Verdict v = ipvs.processFromServer(datagram.payload(buffer, 0, buffer.limit()));
    switch (v.kind()) {
      case OUT, PASS -> vip.send(buffer, client); // a reply: from the virtual address
      default -> dropped++; // DROP: the core refused it
    }
  }

  /** The client's own socket toward the servers: their replies come back on it. */
  private DatagramChannel session(InetSocketAddress client) throws IOException {
    DatagramChannel s = sessions.get(client);
    if (s == null) {
      s = DatagramChannel.open().bind(null);
      s.configureBlocking(false).register(selector, SelectionKey.OP_READ, client);
      sessions.put(client, s);
    }
    return s;
  }

  // end::host[]

  /** Returns the address clients send to. */
  public InetSocketAddress address() throws IOException {
    return (InetSocketAddress) vip.getLocalAddress();
  }

  @Override
  public void close() throws IOException {
    selector.close();
    vip.close();
    for (DatagramChannel s : sessions.values()) {
      s.close();
    }
  }
}
