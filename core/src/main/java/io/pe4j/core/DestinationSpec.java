package io.pe4j.core;

import io.pe4j.api.IpAddress;
import java.util.Objects;

/**
 * The definition of a real server, everything {@code ipvsadm -a} or {@code -e} carries.
 *
 * @param address the real server's address
 * @param port its port; 0 keeps each datagram's destination port
 * @param method the forwarding method
 * @param weight 0..65535; 0 is quiescent
 * @param upperThreshold {@code -x}, 0 for none
 * @param lowerThreshold {@code -y}, 0 for none
 */
public record DestinationSpec(
    IpAddress address,
    int port,
    ForwardingMethod method,
    int weight,
    int upperThreshold,
    int lowerThreshold) {

  /** Validates the definition as the kernel does. */
  public DestinationSpec {
    Objects.requireNonNull(address, "address");
    Objects.requireNonNull(method, "method");
    if (port < 0 || port > 0xffff) {
      throw new IllegalArgumentException("port must be 0..65535: " + port);
    }
    if (weight < 0 || weight > 65535) {
      throw new IllegalArgumentException("weight must be 0..65535: " + weight);
    }
    if (upperThreshold < 0 || lowerThreshold < 0) {
      throw new IllegalArgumentException("thresholds must not be negative");
    }
    if (upperThreshold != 0 && lowerThreshold > upperThreshold) {
      throw new IllegalArgumentException(
          "lower threshold " + lowerThreshold + " above upper threshold " + upperThreshold);
    }
  }

  /** Returns a NAT ({@code -m}) server of weight 1 without thresholds. */
  public static DestinationSpec masq(IpAddress address, int port) {
    return new DestinationSpec(address, port, ForwardingMethod.MASQ, 1, 0, 0);
  }

  /** Returns a copy with the weight. */
  public DestinationSpec withWeight(int w) {
    return new DestinationSpec(address, port, method, w, upperThreshold, lowerThreshold);
  }
}
