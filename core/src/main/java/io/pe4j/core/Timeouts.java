package io.pe4j.core;

/**
 * The connection timeouts in seconds, as {@code ipvsadm --set tcp tcpfin udp} sets them and {@code
 * ipvsadm -L --timeout} prints them (kernel defaults 900, 120, 300). Published as one value.
 *
 * @param tcp the timeout of an established TCP connection
 * @param tcpFin the timeout of a TCP connection after its FIN
 * @param udp the timeout of a UDP connection
 */
public record Timeouts(int tcp, int tcpFin, int udp) {

  /** The kernel's defaults. */
  public static final Timeouts DEFAULT = new Timeouts(900, 120, 300);
}
