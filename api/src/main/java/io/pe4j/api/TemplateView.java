package io.pe4j.api;

import org.jspecify.annotations.Nullable;

/**
 * The fields of a stored connection template that an engine may read in {@link
 * PersistenceEngine#ctMatch} and {@link PersistenceEngine#showPeData}. The addresses are raw words
 * as in {@link IpAddress#hi()} / {@link IpAddress#lo()}.
 */
public interface TemplateView {

  /** Returns whether the template's addresses are IPv6. */
  boolean isIpv6();

  /** Returns the template's protocol ({@link Protocol#IP} for fwmark templates). */
  Protocol protocol();

  /** Returns the upper 64 bits of the masked client address. */
  long clientHi();

  /** Returns the lower 64 bits of the masked client address. */
  long clientLo();

  /** Returns the client port: 0 for every valid template. */
  int clientPort();

  /** Returns the upper 64 bits of the virtual address (0 for fwmark templates). */
  long virtualHi();

  /** Returns the lower 64 bits of the virtual address (the fwmark for fwmark templates). */
  long virtualLo();

  /** Returns the virtual port (0 for fwmark and port-zero templates, 65535 once invalidated). */
  int virtualPort();

  /** Returns the engine that created the template, or null for a plain persistence template. */
  @Nullable PersistenceEngine engine();

  /** Returns the template's pe data, or null when it has none. */
  @Nullable PeData peData();

  /**
   * Returns a view of pe data outside any core — key fields zero, protocol UDP, IPv4, port 0 — so
   * that tools and tests can ask an engine to print pe data ({@link PersistenceEngine#showPeData}).
   */
  static TemplateView detached(PersistenceEngine engine, PeData peData) {
    java.util.Objects.requireNonNull(engine, "engine");
    java.util.Objects.requireNonNull(peData, "peData");
    return new TemplateView() {
      @Override
      public boolean isIpv6() {
        return false;
      }

      @Override
      public Protocol protocol() {
        return Protocol.UDP;
      }

      @Override
      public long clientHi() {
        return 0;
      }

      @Override
      public long clientLo() {
        return 0;
      }

      @Override
      public int clientPort() {
        return 0;
      }

      @Override
      public long virtualHi() {
        return 0;
      }

      @Override
      public long virtualLo() {
        return 0;
      }

      @Override
      public int virtualPort() {
        return 0;
      }

      @Override
      public PersistenceEngine engine() {
        return engine;
      }

      @Override
      public PeData peData() {
        return peData;
      }
    };
  }
}
