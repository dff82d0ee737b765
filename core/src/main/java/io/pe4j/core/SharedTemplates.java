package io.pe4j.core;

import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A template table shared by several directors: the seam a cluster store implements (pe4j's {@code
 * pe4j-cluster} does it on Infinispan over an encrypted JGroups channel). The core keeps its own
 * templates in a node-local tier and uses this store only where nodes must agree, so that a
 * template hit on a node stays local — and it never waits for the store on a datagram's thread:
 *
 * <ul>
 *   <li>a new call on this node (a local miss) is offered with {@link #putIfAbsent}, whose answer
 *       arrives later: the datagram waits (the host holds it, {@link Verdict.Kind#WAIT}) at most
 *       the cluster wait; an answer in time binds the call to the winner's real server, and without
 *       one the node decides alone and reconciles with the cluster's answer when it comes;
 *   <li>use keeps a template alive through {@link #touch}, at most once a second per template, sent
 *       in the background;
 *   <li>removal (a deleted server's or service's templates, an eviction) goes through {@link
 *       #remove}; a removal made elsewhere comes back through {@link #onRemoved}, and a record
 *       replaced elsewhere (a merge after a partition) through {@link #onReplaced}, so that every
 *       node follows the cluster's record.
 * </ul>
 *
 * <p>Keys and records are opaque bytes made by the core: a record is one entry of the IPVS sync
 * protocol, version 1 (the template's key fields, real server, timeout, pe name and pe data: spec
 * §7), and a key the same entry with only the key fields. Stores compare keys and records by their
 * bytes.
 *
 * <p>What a store must guarantee: {@link #putIfAbsent} is atomic across the nodes that can reach
 * each other; a record stays readable until its time to live, counted from its last put or touch,
 * has passed; removals are seen by every node. No method may block on the network: each returns at
 * once and does its work in the background. A store may fail a future or throw {@link
 * RuntimeException} when the cluster is unreachable: the core counts it and decides alone.
 */
public interface SharedTemplates {

  /**
   * Stores {@code record} under {@code key} for {@code ttlMillis} unless a live record is stored
   * there, atomically across nodes; the future completes with the record stored: {@code record}
   * itself (equal bytes) or the winner's. Returns at once.
   */
  CompletableFuture<byte[]> putIfAbsent(byte[] key, byte[] record, long ttlMillis);

  /**
   * Keeps the record under {@code key} alive for at least {@code ttlMillis} from now if it is still
   * {@code record}; does nothing for a key not stored, or stored with another record. Returns at
   * once (may be batched).
   */
  void touch(byte[] key, byte[] record, long ttlMillis);

  /** Removes the record under {@code key} everywhere; returns at once. */
  void remove(byte[] key);

  /** Hands every live record to {@code action}: the cluster's templates, for listings. */
  void forEach(Consumer<byte[]> action);

  /**
   * Registers {@code listener}, told the key of each record removed by any node (this one's own
   * removals may be told too: the core ignores keys it holds no copy of).
   */
  void onRemoved(Consumer<byte[]> listener);

  /**
   * Registers {@code listener}, told the key and new record of each record replaced (a merge after
   * a partition, a touch); the core re-binds a local copy whose real server differs.
   */
  default void onReplaced(BiConsumer<byte[], byte[]> listener) {}

  /**
   * Returns (later) the live record stored under {@code key}, or null: how a node checks its local
   * copies against the cluster after a partition heals.
   */
  CompletableFuture<byte @Nullable []> get(byte[] key);

  /**
   * Registers {@code listener}, told when this member's partition merged with another (a healed
   * partition): the core then checks its local copies against the merged table, a few times while
   * the merge settles.
   */
  default void onMerged(Runnable listener) {}
}
