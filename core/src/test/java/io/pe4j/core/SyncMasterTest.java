package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

/**
 * Sync messages leave on a thread of their own, through a bounded queue whose drops are counted.
 */
class SyncMasterTest {

  @Test
  void aBlockedSender_neverBlocksTheDatagramPath_andAFullQueueDropsAndCounts() throws Exception {
    Ipvs ipvs = Packets.f1(new VirtualClock(), "");
    CountDownLatch release = new CountDownLatch(1);
    AtomicReference<Thread> senderThread = new AtomicReference<>();
    AtomicLong sent = new AtomicLong();
    ipvs.sync()
        .startMaster(
            0,
            1,
            message -> {
              senderThread.compareAndSet(null, Thread.currentThread());
              try {
                release.await(30, TimeUnit.SECONDS); // a sender stuck on a full socket
              } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
              }
              sent.incrementAndGet();
            });
    int datagrams = SyncMaster.QUEUE + 5_000;
    for (int i = 0; i < datagrams; i++) { // one template entry each (one-packet scheduling)
      ipvs.process(Packets.udp("198.51.100.10:5060", "10.0.0.1:5060", Packets.invite("call-" + i)));
    }
    assertTrue(ipvs.sync().dropped() >= 4_000, "dropped " + ipvs.sync().dropped());
    assertNotEquals(Thread.currentThread(), senderThread.get(), "sent from the datagram's thread");
    release.countDown();
    ipvs.sync().flush();
    assertEquals(datagrams, sent.get() + ipvs.sync().dropped(), "every entry sent or counted");
    ipvs.sync().stopMaster();
  }
}
