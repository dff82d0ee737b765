package io.pe4j.core;

/** How a director forwards to a real server; recorded for listings, ipvsadm's {@code -m -g -i}. */
public enum ForwardingMethod {
  /** NAT ({@code -m}); the only method whose replies traverse the director. */
  MASQ("Masq", "-m"),
  /** Direct routing ({@code -g}, ipvsadm's default). */
  ROUTE("Route", "-g"),
  /** IP-in-IP tunnelling ({@code -i}). */
  TUNNEL("Tunnel", "-i"),
  /** Delivery to the director itself. */
  LOCAL("Local", "-g");

  private final String listingName;
  private final String option;

  ForwardingMethod(String listingName, String option) {
    this.listingName = listingName;
    this.option = option;
  }

  /** Returns the name {@code ipvsadm -L} prints: Masq, Route, Tunnel or Local. */
  public String listingName() {
    return listingName;
  }

  /** Returns the ipvsadm option that selects it. */
  public String option() {
    return option;
  }
}
