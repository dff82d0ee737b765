package io.pe4j.cli.capture;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import org.jspecify.annotations.Nullable;

/**
 * A capture read on a thread of its own, a batch of datagrams ahead of the one that consumes them:
 * reading, decoding and copying frames overlap the replay's work on the other core. Batches go
 * round between the two threads (a fixed number of them, so memory stays bounded whatever the
 * capture); one hand-over per {@link #BATCH} datagrams. The datagrams come in the order {@link
 * CaptureSource#next()} gives them.
 */
public final class ReadAhead implements AutoCloseable {

  /** Datagrams per hand-over. */
  static final int BATCH = 256;

  private static final int BATCHES = 8;

  private static final class Batch {
    final CaptureSource.Packet[] packets = new CaptureSource.Packet[BATCH];
    int count;
    boolean last;
    @Nullable RuntimeException failure;

    Batch() {
      for (int i = 0; i < BATCH; i++) {
        packets[i] = new CaptureSource.Packet();
      }
    }
  }

  private final CaptureSource source;
  private final BlockingQueue<Batch> free = new ArrayBlockingQueue<>(BATCHES);
  private final BlockingQueue<Batch> full = new ArrayBlockingQueue<>(BATCHES);
  private final Thread reader;
  private @Nullable Batch current;
  private int next;
  private boolean ended;

  /** Starts reading {@code source} ahead; read its counts only after {@link #next()} gave null. */
  public ReadAhead(CaptureSource source) {
    this.source = source;
    for (int i = 0; i < BATCHES; i++) {
      free.add(new Batch());
    }
    reader = new Thread(this::read, "pe4j-capture-reader");
    reader.setDaemon(true);
    reader.start();
  }

  private void read() {
    try {
      boolean last = false;
      while (!last) {
        Batch b = free.take();
        b.count = 0;
        b.failure = null;
        try {
          for (CaptureSource.Packet p; b.count < BATCH && (p = source.next()) != null; ) {
            b.packets[b.count++].copyFrom(p);
          }
        } catch (RuntimeException e) { // a bug: given to the consumer, not lost on this thread
          b.failure = e;
        }
        last = b.count < BATCH || b.failure != null;
        b.last = last;
        full.put(b);
      }
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt(); // closed before the end: stop
    }
  }

  /**
   * The next datagram, valid until the next call, or null when the capture is read.
   *
   * @throws IllegalStateException interrupted while waiting for the reader
   */
  public CaptureSource.@Nullable Packet next() {
    while (true) {
      Batch b = current;
      if (b != null && next < b.count) {
        return b.packets[next++];
      }
      if (b != null) {
        RuntimeException failure = b.failure;
        if (failure != null) {
          throw failure;
        }
        if (b.last) {
          ended = true;
        }
        current = null;
        free.add(b);
      }
      if (ended) {
        return null;
      }
      try {
        current = full.take();
      } catch (InterruptedException e) {
        Thread.currentThread().interrupt();
        throw new IllegalStateException("interrupted while reading the capture", e);
      }
      next = 0;
    }
  }

  /** Stops the reader (if the capture was not read to its end) and waits for it. */
  @Override
  public void close() {
    reader.interrupt();
    try {
      reader.join();
    } catch (InterruptedException e) {
      Thread.currentThread().interrupt();
    }
  }
}
