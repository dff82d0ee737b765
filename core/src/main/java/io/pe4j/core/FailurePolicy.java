package io.pe4j.core;

/**
 * What a persistent service with an engine does with a datagram the engine cannot key (no Call-ID,
 * a keep-alive, STUN...). Either way the failure is counted by reason.
 */
public enum FailurePolicy {
  /**
   * Schedule it under normal, address-based persistence: the seed's behaviour ("the connection will
   * fall back to the normal persistence handling"), and pe4j's default.
   */
  FALLBACK,
  /** Drop it silently, without ICMP: what current kernels do (spec §3.3). */
  DROP
}
