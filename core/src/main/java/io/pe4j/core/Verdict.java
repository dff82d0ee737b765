package io.pe4j.core;

import io.pe4j.api.IpAddress;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import org.jspecify.annotations.Nullable;

/**
 * What the host does with one datagram. Verdicts are shared immutable values: the per-datagram path
 * hands out pre-built instances and allocates none.
 */
public final class Verdict {

  /** The kind of a verdict. */
  public enum Kind {
    /** Send to {@link #address()}:{@link #port()} (the destination; NAT rewrites the target). */
    FORWARD,
    /** Drop silently, without ICMP; {@link #reason()} says why. */
    DROP,
    /** No destination available: the kernel would answer ICMP port unreachable and drop. */
    NO_DEST,
    /** No virtual service: let the datagram pass untouched. */
    PASS,
    /** A real server's datagram, NATed: send it from {@link #address()}:{@link #port()}. */
    OUT,
    /**
     * The cluster is being asked which real server this datagram's call has (a new call on this
     * director, with {@link Ipvs.Builder#sharedTemplates shared templates} only): keep the datagram
     * and {@link Ipvs#process process} it again when {@link #settled()} completes, at the latest
     * {@link Ipvs.Builder#clusterWait the cluster wait} after the first datagram of the call asked.
     * Nothing waits meanwhile: the host goes on with other datagrams.
     */
    WAIT
  }

  private static final CompletableFuture<Void> DONE = CompletableFuture.completedFuture(null);

  /** No service matched: pass untouched. */
  public static final Verdict PASS = new Verdict(Kind.PASS, null, null, 0, "no service");

  /** No destination could be scheduled. */
  public static final Verdict NO_DEST =
      new Verdict(Kind.NO_DEST, null, null, 0, "no destination available");

  private final Kind kind;
  private final @Nullable Destination destination;
  private final @Nullable IpAddress address;
  private final int port;
  private final String reason;
  private final CompletionStage<Void> settled;

  private Verdict(
      Kind kind,
      @Nullable Destination destination,
      @Nullable IpAddress address,
      int port,
      String reason) {
    this(kind, destination, address, port, reason, DONE);
  }

  private Verdict(
      Kind kind,
      @Nullable Destination destination,
      @Nullable IpAddress address,
      int port,
      String reason,
      CompletionStage<Void> settled) {
    this.settled = settled;
    this.kind = kind;
    this.destination = destination;
    this.address = address;
    this.port = port;
    this.reason = reason;
  }

  static Verdict forward(Destination destination, int port) {
    return new Verdict(Kind.FORWARD, destination, destination.address(), port, "scheduled");
  }

  static Verdict drop(String reason) {
    return new Verdict(Kind.DROP, null, null, 0, reason);
  }

  static Verdict out(IpAddress source, int port, String reason) {
    return new Verdict(Kind.OUT, null, source, port, reason);
  }

  static Verdict waitFor(CompletionStage<Void> settled) {
    return new Verdict(Kind.WAIT, null, null, 0, "waiting for the cluster", settled);
  }

  /**
   * Returns when a {@link Kind#WAIT} datagram may be processed again (completes once, never
   * exceptionally, on a thread of the cluster's or of the core's timer: hand the work back to the
   * datagram's own thread); an already completed stage for every other kind.
   */
  public CompletionStage<Void> settled() {
    return settled;
  }

  /** Returns the kind. */
  public Kind kind() {
    return kind;
  }

  /** Returns the destination of a {@link Kind#FORWARD} verdict, else null. */
  public @Nullable Destination destination() {
    return destination;
  }

  /** Returns the address to send to (FORWARD) or from (OUT), else null. */
  public @Nullable IpAddress address() {
    return address;
  }

  /** Returns the port to send to (FORWARD) or from (OUT), else 0. */
  public int port() {
    return port;
  }

  /** Returns why: the drop reason, or a short description of the other kinds. */
  public String reason() {
    return reason;
  }

  /**
   * Returns the verdict as {@code pe4j simulate} prints it: {@code FORWARD 192.168.10.3:5060},
   * {@code DROP no Call-ID}, {@code NO_DEST}, {@code PASS}, {@code OUT 10.0.0.1:5060}, {@code
   * WAIT}.
   */
  @Override
  public String toString() {
    switch (kind) {
      case FORWARD:
      case OUT:
        return kind + " " + Objects.requireNonNull(address).withPort(port);
      case DROP:
        return "DROP " + reason;
      default:
        return kind.name();
    }
  }
}
