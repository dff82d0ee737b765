package io.pe4j.core;

import java.util.AbstractList;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import org.jspecify.annotations.Nullable;

/**
 * A service's real servers as one published configuration has them: in list order, each with the
 * weight, forwarding method and thresholds of that configuration. Immutable: a scheduler reads one
 * {@code Servers} per datagram, so that a weight and the list it belongs to come from one change.
 * Runtime state (connection counts, overload) is read from the {@link Destination}s themselves.
 */
public final class Servers {

  private final VirtualService service;
  private final Destination[] destinations;
  private final int[] weights;
  private final int[] lastWeights;
  private final ForwardingMethod[] methods;
  private final int[] upperThresholds;
  private final int[] lowerThresholds;
  private final int[] indexBySlot;
  private final Set<String> flags;
  private @Nullable Object prepared;

  Servers(VirtualService service, List<Destination> list, Set<String> flags) {
    this.service = service;
    int n = list.size();
    this.destinations = list.toArray(new Destination[0]);
    this.weights = new int[n];
    this.lastWeights = new int[n];
    this.methods = new ForwardingMethod[n];
    this.upperThresholds = new int[n];
    this.lowerThresholds = new int[n];
    int maxSlot = -1;
    for (int i = 0; i < n; i++) {
      Destination.Settings s = destinations[i].pending;
      weights[i] = s.weight();
      lastWeights[i] = s.lastWeight();
      methods[i] = s.method();
      upperThresholds[i] = s.upperThreshold();
      lowerThresholds[i] = s.lowerThreshold();
      maxSlot = Math.max(maxSlot, destinations[i].slot);
    }
    this.indexBySlot = new int[maxSlot + 1];
    Arrays.fill(indexBySlot, -1);
    for (int i = 0; i < n; i++) {
      indexBySlot[destinations[i].slot] = i;
    }
    this.flags = flags;
  }

  /** The scheduler's state for this list, computed once before publication ({@link #prepared}). */
  void prepare(Scheduler scheduler) {
    this.prepared = scheduler.prepare(this);
  }

  /** Returns the service. */
  public VirtualService service() {
    return service;
  }

  /** Returns the number of real servers. */
  public int size() {
    return destinations.length;
  }

  /** Returns the {@code i}-th real server in list order (the newest first, as ipvsadm lists). */
  public Destination get(int i) {
    return destinations[i];
  }

  /**
   * Returns the index of {@code d} in this list, or -1 if it is not listed (deleted, or another).
   */
  public int indexOf(Destination d) {
    int slot = d.slot;
    if (slot >= indexBySlot.length) {
      return -1;
    }
    int i = indexBySlot[slot];
    return i >= 0 && destinations[i] == d ? i : -1;
  }

  /** Returns the {@code i}-th server's weight ({@code -w}); 0 is quiesced. */
  public int weight(int i) {
    return weights[i];
  }

  /**
   * Returns the {@code i}-th server's last non-zero weight (what {@code mh} keeps its slots by).
   */
  public int lastWeight(int i) {
    return lastWeights[i];
  }

  /** Returns the {@code i}-th server's forwarding method. */
  public ForwardingMethod method(int i) {
    return methods[i];
  }

  /** Returns the {@code i}-th server's upper connection threshold ({@code -x}), 0 for none. */
  public int upperThreshold(int i) {
    return upperThresholds[i];
  }

  /** Returns the {@code i}-th server's lower connection threshold ({@code -y}), 0 for none. */
  public int lowerThreshold(int i) {
    return lowerThresholds[i];
  }

  /** Whether the {@code i}-th server may take new work: weighted and not overloaded. */
  public boolean eligible(int i) {
    return weights[i] > 0 && !destinations[i].overloaded;
  }

  /**
   * Whether the service has the scheduler flag ({@code -b}), e.g. {@code sh-port}, {@code mh-pe}.
   */
  public boolean hasFlag(String flag) {
    return flags.contains(flag);
  }

  /**
   * Returns what the service's scheduler computed from this list in {@link Scheduler#prepare} (e.g.
   * a lookup table), or null.
   */
  public @Nullable Object prepared() {
    return prepared;
  }

  /** Returns the servers as an unmodifiable list, in list order. */
  public List<Destination> asList() {
    return new AbstractList<>() {
      @Override
      public Destination get(int index) {
        return destinations[index];
      }

      @Override
      public int size() {
        return destinations.length;
      }
    };
  }
}
