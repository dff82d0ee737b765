package io.pe4j.core;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import java.nio.charset.StandardCharsets;

/** Datagrams for the core's tests. */
final class Packets {
  private Packets() {}

  static byte[] invite(String callId) {
    return ("INVITE sip:bob@example.com SIP/2.0\r\nVia: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK776\r\n"
            + "Call-ID: "
            + callId
            + "\r\nCSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n")
        .getBytes(StandardCharsets.ISO_8859_1);
  }

  static Datagram udp(String from, String to, byte[] payload) {
    int a = from.lastIndexOf(':');
    int b = to.lastIndexOf(':');
    return Datagram.udp(
        IpAddress.parse(from.substring(0, a)),
        Integer.parseInt(from.substring(a + 1)),
        IpAddress.parse(to.substring(0, b)),
        Integer.parseInt(to.substring(b + 1)),
        payload);
  }

  /** F1 of the spec with the given extra options: rr, -p 300, --pe sip, -o, RS1..RS3 NAT. */
  static Ipvs f1(VirtualClock clock, String extra) {
    Ipvs ipvs = Ipvs.builder().ticker(clock).build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 300 --pe sip -o" + extra);
    for (int n = 1; n <= 3; n++) {
      ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10." + n + ":5060 -m");
    }
    return ipvs;
  }
}
