package io.pe4j.core;

import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A template table shared by several directors: the seam a cluster store implements (pe4j's {@code
 * pe4j-cluster} does it on Hazelcast). The core keeps its own templates in a node-local tier and
 * uses this store only where nodes must agree, so that a template hit on a node stays local:
 *
 * <ul>
 *   <li>a lookup that misses locally asks {@link #get} (a new call's first datagram on this node);
 *   <li>a new template is created with {@link #putIfAbsent}: of nodes creating the same key at
 *       once, one wins and every node binds the call to the winner's real server;
 *   <li>use keeps a template alive through {@link #touch}, at most once a second per template and
 *       never on the datagram's thread if the store batches, as it should;
 *   <li>removal (a deleted server's or service's templates, an eviction) goes through {@link
 *       #remove}, and a removal made elsewhere comes back through the listener of {@link
 *       #onRemoved}, so that every node drops its local copy.
 * </ul>
 *
 * <p>Keys and records are opaque bytes made by the core: a record is one entry of the IPVS sync
 * protocol, version 1 (the template's key fields, real server, timeout, pe name and pe data: spec
 * §7), and a key the same entry with only the key fields. Stores compare keys by their bytes.
 *
 * <p>What a store must guarantee: {@link #putIfAbsent} is atomic across nodes; a record stays
 * readable until its time to live, counted from its last put or touch, has passed (a clock shared
 * by all nodes decides, not each node's own); removals are seen by every node. A store may throw
 * {@link RuntimeException} when the cluster is unreachable: the core then counts it and goes on
 * with the node-local tier alone.
 */
public interface SharedTemplates {

  /** Returns the live record stored under {@code key}, or null. */
  byte @Nullable [] get(byte[] key);

  /**
   * Stores {@code record} under {@code key} for {@code ttlMillis} unless a live record is stored
   * there, atomically across nodes, and returns the record stored: {@code record} itself or the
   * winner's.
   */
  byte[] putIfAbsent(byte[] key, byte[] record, long ttlMillis);

  /**
   * Keeps the record under {@code key} alive for at least {@code ttlMillis} from now. May return
   * before the cluster has it (batched); does nothing for a key not stored.
   */
  void touch(byte[] key, long ttlMillis);

  /** Removes the record under {@code key} everywhere; does nothing for a key not stored. */
  void remove(byte[] key);

  /** Hands every live record to {@code action}: the cluster's templates, for listings. */
  void forEach(Consumer<byte[]> action);

  /**
   * Registers {@code listener}, told the key of each record removed by any node (this one's own
   * removals may be told too: the core ignores keys it holds no copy of).
   */
  void onRemoved(Consumer<byte[]> listener);
}
