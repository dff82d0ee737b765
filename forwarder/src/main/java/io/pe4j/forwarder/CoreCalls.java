package io.pe4j.forwarder;

import com.google.common.util.concurrent.RateLimiter;
import io.netty.buffer.ByteBuf;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.Protocol;
import io.pe4j.core.Ipvs;
import io.pe4j.core.Verdict;
import java.net.InetSocketAddress;
import java.nio.ByteBuffer;
import org.jspecify.annotations.Nullable;

/**
 * A Netty datagram's trip through the core: the core's view of it (no copy), the core's calls
 * guarded (a failure is counted and logged, never thrown into the event loop), and what a socket's
 * error means for the process.
 */
final class CoreCalls {

  private static final System.Logger LOG = System.getLogger("io.pe4j.forwarder");

  private final Ipvs ipvs;
  private final ForwarderStats stats;
  private final boolean haltOnOutOfMemory;
  private final ThreadLocal<Datagram> scratch = ThreadLocal.withInitial(Datagram::new);

  /** Repeated warnings: one a second, the rest only counted. */
  private final RateLimiter warnings = RateLimiter.create(1.0);

  CoreCalls(Ipvs ipvs, ForwarderStats stats, boolean haltOnOutOfMemory) {
    this.ipvs = ipvs;
    this.stats = stats;
    this.haltOnOutOfMemory = haltOnOutOfMemory;
  }

  Ipvs ipvs() {
    return ipvs;
  }

  /** This thread's view of a datagram's payload, from {@code from} to {@code to:toPort}. */
  Datagram view(ByteBuf content, InetSocketAddress from, IpAddress to, int toPort) {
    // an NIO view of the payload, no copy; used only while the core processes the datagram, on
    // this thread
    ByteBuffer nio = nioView(content, content.readerIndex(), content.readableBytes());
    return scratch
        .get()
        .set(Protocol.UDP, IpAddress.of(from.getAddress()), from.getPort(), to, toPort)
        .payload(nio, nio.position(), nio.remaining());
  }

  /**
   * The bytes {@code index..index+length} of {@code content} as an NIO buffer, without a new object
   * where possible. A datagram from a batched read ({@code recvmmsg}) is a slice of the read's
   * buffer, and a slice's internal NIO buffer is a new {@code ByteBuffer} each time (Netty's
   * derived buffers make one per call: a fifth of the relay's allocation per datagram); the read's
   * own buffer keeps one, so the slice's bytes are taken from it, found by their memory address.
   */
  static ByteBuffer nioView(ByteBuf content, int index, int length) {
    ByteBuf buf = content;
    if (buf.hasMemoryAddress()) {
      // past wrappers (leak detection's), which share the buffer's memory and indices
      ByteBuf inner = buf.unwrap();
      while (inner != null
          && inner.hasMemoryAddress()
          && inner.memoryAddress() == buf.memoryAddress()
          && inner.capacity() == buf.capacity()) {
        buf = inner;
        inner = buf.unwrap();
      }
      // a slice of a read: through the read's buffer, which only this event loop uses
      if (inner != null && inner.hasMemoryAddress() && inner.nioBufferCount() == 1) {
        long offset = buf.memoryAddress() - inner.memoryAddress();
        if (offset >= 0 && offset + index + length <= inner.capacity()) {
          return inner.internalNioBuffer((int) offset + index, length);
        }
      }
    }
    return buf.nioBufferCount() == 1
        ? buf.internalNioBuffer(index, length)
        : buf.nioBuffer(index, length);
  }

  /**
   * Runs a client's datagram through the core's path; null when the core failed on it (counted as a
   * drop, logged).
   */
  @Nullable Verdict fromClient(Datagram d, InetSocketAddress sender) {
    try {
      return ipvs.process(d);
    } catch (RuntimeException e) {
      stats.drop("core error");
      LOG.log(System.Logger.Level.ERROR, "core failed on a datagram from " + sender, e);
      return null;
    }
  }

  /**
   * Runs a server's datagram to {@code client:clientPort} through the core's return path; null when
   * the core failed on it (counted as a reply drop, logged).
   */
  @Nullable Verdict fromServer(
      ByteBuf content, InetSocketAddress server, IpAddress client, int clientPort) {
    try {
      return ipvs.processFromServer(view(content, server, client, clientPort));
    } catch (RuntimeException e) {
      stats.replyDrop("core error");
      LOG.log(System.Logger.Level.ERROR, "core failed on a datagram from server " + server, e);
      return null;
    }
  }

  /** A socket's error: halts the process on {@link OutOfMemoryError} when asked to. */
  void fatalCheck(Throwable cause) {
    if (haltOnOutOfMemory && cause instanceof OutOfMemoryError) {
      Fatal.outOfMemory();
    }
  }

  /**
   * Logs a warning at most once a second, after the counting is done, and never throws: with the
   * descriptors exhausted even the logger can fail (it opens the time-zone file on first use).
   */
  void warnAtMostOncePerSecond(String message) {
    if (!warnings.tryAcquire()) {
      return;
    }
    try {
      LOG.log(System.Logger.Level.WARNING, message);
    } catch (Throwable t) {
      // counted already; nothing more to do
    }
  }
}
