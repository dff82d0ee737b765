package io.pe4j.api;

import java.nio.ByteBuffer;
import java.util.Objects;

/**
 * A read-only view of one inbound datagram: addresses, ports, protocol, fwmark and the payload as
 * an offset/length window over the caller's buffer, without copying it.
 *
 * <p>This is a flyweight: a host keeps one instance per thread and re-points it at each datagram
 * with {@link #set} and {@link #payload}, so the per-datagram path allocates nothing. Engines read
 * the payload with absolute gets ({@code payload().get(payloadOffset() + i)}) and must not change
 * the buffer's content, position or limit.
 *
 * <p><b>Warning:</b> a {@code Datagram} is not thread-safe and must not be retained after the call
 * it was passed to; copy what must outlive it.
 */
public final class Datagram {

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private Protocol protocol = Protocol.UDP;
  private boolean ipv6;
  private long sourceHi;
  private long sourceLo;
  private int sourcePort;
  private long destinationHi;
  private long destinationLo;
  private int destinationPort;
  private int fwmark;
  private ByteBuffer payload = EMPTY;
  private int payloadOffset;
  private int payloadLength;

  /** Creates an empty UDP datagram view from 0.0.0.0:0 to 0.0.0.0:0; point it with {@link #set}. */
  public Datagram() {}

  /** Returns a new UDP datagram whose payload is the whole of {@code payload} (not copied). */
  public static Datagram udp(
      IpAddress source,
      int sourcePort,
      IpAddress destination,
      int destinationPort,
      byte[] payload) {
    return new Datagram()
        .set(Protocol.UDP, source, sourcePort, destination, destinationPort)
        .payload(ByteBuffer.wrap(payload), 0, payload.length);
  }

  /**
   * Points this view at a datagram's addresses and ports, clearing the fwmark.
   *
   * @throws IllegalArgumentException if the families differ or a port is outside 0..65535
   */
  public Datagram set(
      Protocol protocol,
      IpAddress source,
      int sourcePort,
      IpAddress destination,
      int destinationPort) {
    if (source.isIpv6() != destination.isIpv6()) {
      throw new IllegalArgumentException(
          "source " + source + " and destination " + destination + " differ in family");
    }
    return set(
        protocol,
        source.isIpv6(),
        source.hi(),
        source.lo(),
        sourcePort,
        destination.hi(),
        destination.lo(),
        destinationPort);
  }

  /**
   * Points this view at a datagram given as raw address words (see {@link IpAddress#hi()}), the
   * allocation-free form for hosts.
   */
  public Datagram set(
      Protocol protocol,
      boolean ipv6,
      long sourceHi,
      long sourceLo,
      int sourcePort,
      long destinationHi,
      long destinationLo,
      int destinationPort) {
    this.protocol = Objects.requireNonNull(protocol, "protocol");
    this.ipv6 = ipv6;
    this.sourceHi = ipv6 ? sourceHi : 0;
    this.sourceLo = ipv6 ? sourceLo : sourceLo & 0xffff_ffffL;
    this.sourcePort = checkPort(sourcePort);
    this.destinationHi = ipv6 ? destinationHi : 0;
    this.destinationLo = ipv6 ? destinationLo : destinationLo & 0xffff_ffffL;
    this.destinationPort = checkPort(destinationPort);
    this.fwmark = 0;
    return this;
  }

  private static int checkPort(int port) {
    if (port < 0 || port > 0xffff) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
    return port;
  }

  /**
   * Points the payload at {@code length} bytes of {@code buffer} from absolute index {@code
   * offset}, which must lie within the buffer's limit. The buffer's position is ignored; neither it
   * nor the limit is changed.
   *
   * @throws IndexOutOfBoundsException naming the window and the limit, if the window does not lie
   *     within the buffer's limit (a buffer left flipped the wrong way has limit 0)
   */
  public Datagram payload(ByteBuffer buffer, int offset, int length) {
    Objects.requireNonNull(buffer, "buffer");
    if (offset < 0 || length < 0 || offset > buffer.limit() - length) {
      throw new IndexOutOfBoundsException(
          "the payload window ["
              + offset
              + ", "
              + offset
              + " + "
              + length
              + ") does not lie within the buffer's limit "
              + buffer.limit()
              + " (capacity "
              + buffer.capacity()
              + ")");
    }
    this.payload = buffer;
    this.payloadOffset = offset;
    this.payloadLength = length;
    return this;
  }

  /** Sets the netfilter mark the host attached to this datagram (0 = none). */
  public Datagram fwmark(int fwmark) {
    this.fwmark = fwmark;
    return this;
  }

  /** Returns the transport protocol. */
  public Protocol protocol() {
    return protocol;
  }

  /** Returns whether the addresses are IPv6. */
  public boolean isIpv6() {
    return ipv6;
  }

  /** Returns the upper 64 bits of the source address (0 for IPv4). */
  public long sourceHi() {
    return sourceHi;
  }

  /** Returns the lower 64 bits of the source address (IPv4: the address). */
  public long sourceLo() {
    return sourceLo;
  }

  /** Returns the source address; allocates. */
  public IpAddress sourceAddress() {
    return IpAddress.of(ipv6, sourceHi, sourceLo);
  }

  /** Returns the source port. */
  public int sourcePort() {
    return sourcePort;
  }

  /** Returns the upper 64 bits of the destination address (0 for IPv4). */
  public long destinationHi() {
    return destinationHi;
  }

  /** Returns the lower 64 bits of the destination address (IPv4: the address). */
  public long destinationLo() {
    return destinationLo;
  }

  /** Returns the destination address; allocates. */
  public IpAddress destinationAddress() {
    return IpAddress.of(ipv6, destinationHi, destinationLo);
  }

  /** Returns the destination port. */
  public int destinationPort() {
    return destinationPort;
  }

  /** Returns the netfilter mark, 0 when none. */
  public int fwmark() {
    return fwmark;
  }

  /** Returns the buffer that holds the payload; read it with absolute gets only. */
  public ByteBuffer payload() {
    return payload;
  }

  /** Returns the absolute index of the payload's first byte in {@link #payload()}. */
  public int payloadOffset() {
    return payloadOffset;
  }

  /** Returns the payload length in bytes. */
  public int payloadLength() {
    return payloadLength;
  }

  /** Returns a copy of the payload bytes; allocates, for tests and tools. */
  public byte[] payloadBytes() {
    byte[] out = new byte[payloadLength];
    for (int i = 0; i < payloadLength; i++) {
      out[i] = payload.get(payloadOffset + i);
    }
    return out;
  }

  @Override
  public String toString() {
    return protocol
        + " "
        + sourceAddress().withPort(sourcePort)
        + " -> "
        + destinationAddress().withPort(destinationPort)
        + " ("
        + payloadLength
        + " bytes)";
  }
}
