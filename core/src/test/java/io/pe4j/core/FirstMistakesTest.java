package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.Protocol;
import java.nio.ByteBuffer;
import org.junit.jupiter.api.Test;

/** The mistakes an embedder meets first are answered with what to do, not with a stack. */
class FirstMistakesTest {

  @Test
  void aPayloadWindowOutsideTheBufferNamesTheWindowAndTheLimit() {
    ByteBuffer written = ByteBuffer.allocate(2048);
    written.put(new byte[300]); // written, not flipped: the limit is still the capacity...
    written.flip(); // ...and now 300
    Datagram d = new Datagram();
    IndexOutOfBoundsException e =
        assertThrows(
            IndexOutOfBoundsException.class,
            () ->
                d.set(
                        Protocol.UDP,
                        IpAddress.parse("198.51.100.1"),
                        5060,
                        IpAddress.parse("10.0.0.1"),
                        5060)
                    .payload(written, 0, 400));
    assertEquals(
        "the payload window [0, 0 + 400) does not lie within the buffer's limit 300 (capacity"
            + " 2048)",
        e.getMessage());
  }

  @Test
  void anUnknownSchedulerListsTheSchedulers() {
    Ipvs ipvs = Ipvs.builder().build();
    IpvsadmException e =
        assertThrows(
            IpvsadmException.class, () -> ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s roundrobin"));
    String m = String.valueOf(e.getMessage());
    assertTrue(
        m.startsWith(
            "Scheduler or persistence engine not found (no scheduler named 'roundrobin'"
                + " (pe4j has: dh, "),
        m);
    assertTrue(m.contains(", rr, "), m);
    assertTrue(m.endsWith("; ipvsadm: scheduler module ip_vs_roundrobin not found)"), m);
  }

  @Test
  void aMissingEngineNamesTheArtifact() {
    Ipvs ipvs = Ipvs.builder().engines(new PersistenceEngines()).build();
    IpvsadmException e =
        assertThrows(
            IpvsadmException.class, () -> ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 60 --pe sip"));
    String m = String.valueOf(e.getMessage());
    assertTrue(
        m.contains(
            "no persistence engine named 'sip' was found (engines found: none); the sip"
                + " engine is in io.pe4j:pe4j-engine-sip: add it to the class path"),
        m);
  }
}
