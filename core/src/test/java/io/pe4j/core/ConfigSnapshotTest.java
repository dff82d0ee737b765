package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;
import org.junit.jupiter.api.Test;

/**
 * The datagram path reads one published configuration: concurrent edits under traffic, each edit a
 * batch that keeps exactly one of two servers weighted (and the service's scheduler swapped with
 * it), must never show a datagram a server list where both or neither are weighted. Before the
 * configuration was published whole, a datagram between the two weight changes found no server.
 */
class ConfigSnapshotTest {

  private static final int TRAFFIC_THREADS = 2;
  private static final long EDITS = 4_000;

  @Test
  void noDatagramSeesAMixOfTwoConfigurations() throws Exception {
    Result r = run(true);
    System.out.println("whole batches: " + r);
    assertTrue(r.edits >= EDITS && r.datagrams > 10_000, r.toString());
    assertEquals(0, r.mixed, "datagrams that saw half an edit: " + r);
  }

  @Test
  void control_publishingEachChangeShowsTheMix() throws Exception {
    Result r = run(false);
    System.out.println("each change published: " + r);
    assertTrue(r.mixed > 0, "the test would not see a mix: " + r);
  }

  private record Result(long edits, long datagrams, long mixed) {}

  private static Result run(boolean whole) throws Exception {
    Ipvs ipvs = Ipvs.builder().build();
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -o");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 1");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m -w 0");
    ConfigPlane plane = ipvs.control();
    VirtualService svc =
        java.util.Objects.requireNonNull(
            plane.service(Protocol.UDP, IpAddress.parse("10.0.0.1"), 5060, 0));
    AtomicBoolean stop = new AtomicBoolean();
    AtomicLong datagrams = new AtomicLong();
    AtomicLong mixed = new AtomicLong();
    List<Thread> traffic = new ArrayList<>();
    for (int k = 0; k < TRAFFIC_THREADS; k++) {
      int thread = k;
      Thread t =
          new Thread(
              () -> {
                Datagram d = new Datagram();
                ByteBuffer payload = ByteBuffer.wrap(new byte[] {1, 2, 3, 4});
                IpAddress vip = IpAddress.parse("10.0.0.1");
                int port = 1024;
                while (!stop.get()) {
                  port = port == 65_535 ? 1024 : port + 1;
                  IpAddress client = IpAddress.ofIpv4(0xC6336400 + thread);
                  d.set(Protocol.UDP, client, port, vip, 5060).payload(payload, 0, 4);
                  Verdict v = ipvs.process(d);
                  datagrams.incrementAndGet();
                  if (v.kind() != Verdict.Kind.FORWARD) {
                    mixed.incrementAndGet();
                  }
                }
              });
      t.start();
      traffic.add(t);
    }
    String[] servers = {"192.168.10.1", "192.168.10.2"};
    long edits = 0;
    long deadline = System.nanoTime() + 20_000_000_000L;
    while (edits < EDITS || (!whole && mixed.get() == 0 && System.nanoTime() < deadline)) {
      String on = servers[(int) (edits % 2)];
      String off = servers[(int) ((edits + 1) % 2)];
      String scheduler = edits % 4 < 2 ? "rr" : "wrr";
      Runnable edit =
          () -> {
            ipvs.ipvsadm("-e -u 10.0.0.1:5060 -r " + off + ":5060 -m -w 0");
            ipvs.ipvsadm("-E -u 10.0.0.1:5060 -s " + scheduler + " -o");
            ipvs.ipvsadm("-e -u 10.0.0.1:5060 -r " + on + ":5060 -m -w 1");
          };
      if (whole) {
        plane.batch(edit);
      } else {
        edit.run();
      }
      edits++;
    }
    stop.set(true);
    for (Thread t : traffic) {
      t.join();
    }
    assertEquals(2, svc.destinations().size());
    return new Result(edits, datagrams.get(), mixed.get());
  }
}
