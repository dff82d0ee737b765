package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The README's embedding example runs (ReadmeCodeTest checks that README shows it as it is). */
class EmbeddingExampleTest {

  static Verdict route(Ipvs ipvs, Datagram datagram) {
    return ipvs.process(datagram);
  }

  @Test
  void readmeEmbeddingExample_works() throws Exception {
    byte[] bytes = Packets.invite("a84b4c76e66710@pc33.example.org");
    ByteBuffer buffer = ByteBuffer.wrap(bytes);
    int offset = 0;
    int length = bytes.length;
    IpAddress client = IpAddress.parse("198.51.100.10");
    int clientPort = 5060;
    // tag::embed[]
    Ipvs ipvs = Ipvs.builder().build(); // finds the sip engine through ServiceLoader
    ipvs.ipvsadm("-A -u 10.4.3.192:5060 -s rr -p 60 -M 0.0.0.0 -o --pe sip");
    ipvs.ipvsadm("-a -u 10.4.3.192:5060 -r 192.168.10.1:5060 -m");
    ipvs.ipvsadm("-a -u 10.4.3.192:5060 -r 192.168.10.2:5060 -m");

    Datagram datagram = new Datagram(); // one per thread: a view over your buffer, no copy
    IpAddress vip = IpAddress.parse("10.4.3.192");
    datagram.set(Protocol.UDP, client, clientPort, vip, 5060).payload(buffer, offset, length);
    // the same destination for every datagram of the call, whichever client sends it
    Verdict v = ipvs.process(datagram); // FORWARD 192.168.10.2:5060
    // end::embed[]
    assertEquals("FORWARD 192.168.10.2:5060", v.toString());
    assertEquals(
        v,
        route(ipvs, datagram.set(Protocol.UDP, IpAddress.parse("203.0.113.9"), 7000, vip, 5060)));
  }
}
