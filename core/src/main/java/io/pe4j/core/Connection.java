package io.pe4j.core;

import io.pe4j.api.Protocol;
import org.jspecify.annotations.Nullable;

/**
 * A connection entry for non-OPS traffic (spec §1): one client address and port to one virtual
 * service, bound to a destination, optionally controlled by the template that created it.
 */
final class Connection {

  final ConnKey key;
  final ConnKey replyKey;
  final VirtualService service;
  final Destination destination;
  final int destinationPort;
  final @Nullable Template control;
  final Verdict verdict;
  final long timeoutNanos;
  volatile long expiresAt;
  final java.util.concurrent.atomic.AtomicInteger inPackets =
      new java.util.concurrent.atomic.AtomicInteger();

  Connection(
      ConnKey key,
      ConnKey replyKey,
      VirtualService service,
      Destination destination,
      int destinationPort,
      @Nullable Template control,
      Verdict verdict,
      long timeoutNanos,
      long now) {
    this.key = key;
    this.replyKey = replyKey;
    this.service = service;
    this.destination = destination;
    this.destinationPort = destinationPort;
    this.control = control;
    this.verdict = verdict;
    this.timeoutNanos = timeoutNanos;
    this.expiresAt = now + timeoutNanos;
  }

  boolean isUdp() {
    return key.protocol == Protocol.UDP;
  }
}
