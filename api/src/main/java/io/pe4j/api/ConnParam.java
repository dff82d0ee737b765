package io.pe4j.api;

import java.nio.ByteBuffer;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The template lookup parameter, the kernel's {@code struct ip_vs_conn_param}: the key fields the
 * core fills (family, protocol, masked client address, client port 0, virtual address or fwmark,
 * virtual port, engine) and the pe data the engine adds in {@link PersistenceEngine#fillParam}.
 *
 * <p>The pe data is held as a window over the datagram's own buffer, so a template hit copies
 * nothing; the core copies it into a {@link PeData} only when it creates a template.
 *
 * <p><b>Warning:</b> a mutable flyweight, confined to one thread and one datagram.
 */
public final class ConnParam {

  private static final ByteBuffer EMPTY = ByteBuffer.allocate(0);

  private boolean ipv6;
  private Protocol protocol = Protocol.UDP;
  private long clientHi;
  private long clientLo;
  private int clientPort;
  private long virtualHi;
  private long virtualLo;
  private int virtualPort;
  private @Nullable PersistenceEngine engine;
  private ByteBuffer peBuffer = EMPTY;
  private int peOffset;
  private int peLength;

  /** Creates an empty parameter; the core fills it with {@link #set}. */
  public ConnParam() {}

  /** Fills the key fields and clears the pe data, as the kernel's {@code ip_vs_conn_fill_param}. */
  public ConnParam set(
      boolean ipv6,
      Protocol protocol,
      long clientHi,
      long clientLo,
      int clientPort,
      long virtualHi,
      long virtualLo,
      int virtualPort,
      @Nullable PersistenceEngine engine) {
    this.ipv6 = ipv6;
    this.protocol = Objects.requireNonNull(protocol, "protocol");
    this.clientHi = clientHi;
    this.clientLo = clientLo;
    this.clientPort = clientPort;
    this.virtualHi = virtualHi;
    this.virtualLo = virtualLo;
    this.virtualPort = virtualPort;
    this.engine = engine;
    clearPeData();
    return this;
  }

  /** Removes the pe data. */
  public void clearPeData() {
    peBuffer = EMPTY;
    peOffset = 0;
    peLength = 0;
  }

  /**
   * Sets the pe data to {@code length} bytes of {@code buffer} at absolute index {@code offset}
   * (not copied) and returns {@link PeResult#MATCH}: engines end a successful {@code fillParam}
   * with {@code return param.match(buffer, offset, length);}.
   *
   * @return {@link PeResult#MATCH}, or a "pe data too long"/"pe data empty" no-match (and no pe
   *     data) when the length is outside 1..255
   */
  public PeResult match(ByteBuffer buffer, int offset, int length) {
    Objects.requireNonNull(buffer, "buffer");
    if (length < 1) {
      clearPeData();
      return EMPTY_PE_DATA;
    }
    if (length > PeData.MAX_LENGTH) {
      clearPeData();
      return PE_DATA_TOO_LONG;
    }
    Objects.checkFromIndexSize(offset, length, buffer.limit());
    peBuffer = buffer;
    peOffset = offset;
    peLength = length;
    return PeResult.MATCH;
  }

  private static final PeResult EMPTY_PE_DATA = PeResult.noMatch("pe data empty");
  private static final PeResult PE_DATA_TOO_LONG = PeResult.noMatch("pe data too long");

  /** Sets the pe data to {@code data} (used by the core to rebuild a parameter from a template). */
  public PeResult match(PeData data) {
    return match(ByteBuffer.wrap(data.toByteArray()), 0, data.length());
  }

  /** Returns whether the engine has set pe data. */
  public boolean hasPeData() {
    return peLength > 0;
  }

  /** Returns the pe data length, 0 when none. */
  public int peDataLength() {
    return peLength;
  }

  /** Returns byte {@code index} of the pe data. */
  public byte peDataByte(int index) {
    Objects.checkIndex(index, peLength);
    return peBuffer.get(peOffset + index);
  }

  /** Returns whether the pe data equals {@code data} byte for byte; false when either is absent. */
  public boolean peDataEquals(@Nullable PeData data) {
    return data != null && peLength > 0 && data.contentEquals(peBuffer, peOffset, peLength);
  }

  /** Returns the seeded hash of the pe data ({@link PeData#hash(int)} of equal bytes). */
  public int peDataHash(int seed) {
    return PeData.hash(peBuffer, peOffset, peLength, seed);
  }

  /**
   * Returns a copy of the pe data, as a new template stores it.
   *
   * @throws IllegalStateException if there is none
   */
  public PeData peDataCopy() {
    if (peLength == 0) {
      throw new IllegalStateException("no pe data");
    }
    return PeData.copyOf(peBuffer, peOffset, peLength);
  }

  /** Returns the pe data as printable text ({@link PeData#printable}). */
  public String peDataPrintable() {
    return PeData.printable(peBuffer, peOffset, peLength);
  }

  /**
   * Returns whether the template's key fields equal this parameter's, as the kernel's SIP {@code
   * ct_match} checks them before the pe data: family, masked client address, virtual address,
   * virtual port and protocol. The client port is not compared.
   */
  public boolean keyFieldsMatch(TemplateView template) {
    return template.isIpv6() == ipv6
        && template.protocol() == protocol
        && template.clientHi() == clientHi
        && template.clientLo() == clientLo
        && template.virtualHi() == virtualHi
        && template.virtualLo() == virtualLo
        && template.virtualPort() == virtualPort;
  }

  /** Returns whether the addresses are IPv6. */
  public boolean isIpv6() {
    return ipv6;
  }

  /** Returns the protocol ({@link Protocol#IP} for fwmark services). */
  public Protocol protocol() {
    return protocol;
  }

  /** Returns the upper 64 bits of the masked client address. */
  public long clientHi() {
    return clientHi;
  }

  /** Returns the lower 64 bits of the masked client address. */
  public long clientLo() {
    return clientLo;
  }

  /** Returns the masked client address; allocates. */
  public IpAddress clientAddress() {
    return IpAddress.of(ipv6, clientHi, clientLo);
  }

  /** Returns the client port: 0 for template lookups. */
  public int clientPort() {
    return clientPort;
  }

  /** Returns the upper 64 bits of the virtual address. */
  public long virtualHi() {
    return virtualHi;
  }

  /** Returns the lower 64 bits of the virtual address (the fwmark for fwmark services). */
  public long virtualLo() {
    return virtualLo;
  }

  /** Returns the virtual port (0 for fwmark and port-zero services). */
  public int virtualPort() {
    return virtualPort;
  }

  /** Returns the engine of the service, or null. */
  public @Nullable PersistenceEngine engine() {
    return engine;
  }

  @Override
  public String toString() {
    return protocol
        + " "
        + clientAddress()
        + ":"
        + clientPort
        + " -> "
        + IpAddress.of(ipv6, virtualHi, virtualLo).withPort(virtualPort)
        + (engine == null ? "" : " pe " + engine.name())
        + (peLength > 0 ? " " + peDataPrintable() : "");
  }
}
