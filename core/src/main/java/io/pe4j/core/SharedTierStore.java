package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import io.pe4j.api.ConnParam;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;
import org.jspecify.annotations.Nullable;

/**
 * A {@link TemplateStore} in two tiers: the node-local store, where every hit is answered, over a
 * {@link SharedTemplates} store that the directors of a cluster agree through.
 *
 * <ul>
 *   <li>A local miss is scheduled as usual and the new template put if absent in the shared store:
 *       when the cluster already holds one (another director created it, now or before), that one
 *       is bound to this director's own service and real server and used instead — one round trip
 *       for a call's first datagram on this node.
 *   <li>Use refreshes the local timer; the shared record is touched when the local removal time
 *       moved more than {@link #TOUCH_STEP_NANOS} past the last one pushed, with a time to live of
 *       the remaining time plus {@link #GRACE_NANOS}: a shared record never expires before the
 *       template would on the director that used it last, and at most 2 s after (plus clock skew
 *       between that director and the record's owner).
 *   <li>A removal (eviction, deleted server or service, invalidation) removes the shared record; a
 *       removal elsewhere removes the local copy. A local copy that expires leaves the shared
 *       record alone: another director may be using it.
 * </ul>
 *
 * A shared store that throws is counted ({@link #errors()}) and the local tier goes on alone.
 */
final class SharedTierStore implements TemplateStore {

  static final long TOUCH_STEP_NANOS = 1_000_000_000L;
  static final long GRACE_NANOS = 2 * TOUCH_STEP_NANOS;
  private static final System.Logger LOG = System.getLogger("io.pe4j.core");

  private final Ticker ticker;
  private final IntrusiveTemplateStore local;
  private final SharedTemplates shared;
  private final TemplateCodec codec;
  private final Consumer<Template> arrived;
  private final Consumer<Template> gone;
  private final ThreadLocal<ConnParam> param = ThreadLocal.withInitial(ConnParam::new);
  private final LongAdder errors = new LongAdder();

  SharedTierStore(
      Ticker ticker,
      IntrusiveTemplateStore local,
      SharedTemplates shared,
      TemplateCodec codec,
      Consumer<Template> arrived,
      Consumer<Template> gone) {
    this.ticker = ticker;
    this.local = local;
    this.shared = shared;
    this.codec = codec;
    this.arrived = arrived;
    this.gone = gone;
    shared.onRemoved(this::removedElsewhere);
  }

  long errors() {
    return errors.sum();
  }

  /**
   * The local tier only: a miss is scheduled and then created through {@link #putIfAbsent}, which
   * returns the cluster's template when one exists — one round trip for a call's first datagram on
   * this node instead of a get and a put.
   */
  @Override
  public @Nullable Template get(TemplateKey probe, long now) {
    return local.get(probe, now);
  }

  @Override
  public Template putIfAbsent(Template fresh, Consumer<Template> onInsert) {
    byte[] key = TemplateCodec.key(fresh);
    byte[] record = TemplateCodec.record(fresh);
    Template chosen = fresh;
    try {
      byte[] winner = shared.putIfAbsent(key, record, ttlMillis(fresh.removalAt(), ticker.read()));
      if (!Arrays.equals(winner, record)) {
        Template m = materialize(winner, ticker.read());
        if (m != null) {
          chosen = m; // another director created it first: its real server
        }
      }
    } catch (RuntimeException e) {
      failed("putIfAbsent", e);
    }
    chosen.shared = new Template.Shared(key, chosen.removalAt());
    return local.putIfAbsent(chosen, onInsert);
  }

  @Override
  public void put(Template t, long removalAt, long now) {
    local.put(t, removalAt, now); // an invalidated template: listed here until its timer ends
  }

  @Override
  public void expireAt(Template t, long removalAt, long now) {
    local.expireAt(t, removalAt, now);
    Template.Shared sh = t.shared;
    if (sh != null && !t.invalidated && removalAt - sh.pushedRemoval > TOUCH_STEP_NANOS) {
      sh.pushedRemoval = removalAt;
      try {
        shared.touch(sh.key, ttlMillis(removalAt, now));
      } catch (RuntimeException e) {
        failed("touch", e);
      }
    }
  }

  @Override
  public boolean remove(Template t) {
    boolean removed = local.remove(t);
    Template.Shared sh = t.shared;
    if (sh != null) {
      byte[] key = sh.key; // a local copy, or another director's template listed here
      try {
        shared.remove(key);
      } catch (RuntimeException e) {
        failed("remove", e);
      }
    }
    return removed;
  }

  @Override
  public boolean contains(Template t) {
    return local.contains(t);
  }

  @Override
  public void cleanUp() {
    local.cleanUp();
  }

  /**
   * The local templates, then the cluster's that this director holds no copy of (bound to this
   * director's services and servers, not put in the table), for listings.
   */
  @Override
  public List<Template> snapshot() {
    List<Template> out = local.snapshot();
    Set<ByteBuffer> held = new HashSet<>();
    for (Template t : out) {
      Template.Shared sh = t.shared;
      if (sh != null) {
        held.add(ByteBuffer.wrap(sh.key));
      }
    }
    long now = ticker.read();
    List<Template> remote = new ArrayList<>();
    try {
      shared.forEach(
          record -> {
            Template m = materialize(record, now);
            if (m != null) {
              byte[] key = TemplateCodec.key(m);
              if (!held.contains(ByteBuffer.wrap(key))) {
                m.shared = new Template.Shared(key, 0); // a purge (-D, -d) removes it everywhere
                remote.add(m);
              }
            }
          });
    } catch (RuntimeException e) {
      failed("forEach", e);
    }
    out.addAll(remote);
    return out;
  }

  private void removedElsewhere(byte[] key) {
    Sync.Entry e = TemplateCodec.decode(key);
    TemplateKey probe = e == null ? null : codec.probe(e, new ConnParam());
    Template t = probe == null ? null : local.get(probe, ticker.read());
    if (t != null && local.remove(t)) {
      gone.accept(t);
    }
  }

  private @Nullable Template materialize(byte[] record, long now) {
    Sync.Entry e = TemplateCodec.decode(record);
    return e == null ? null : codec.materialize(e, param.get(), now);
  }

  private static long ttlMillis(long removalAt, long now) {
    return Math.max(1, (Math.max(0, removalAt - now) + GRACE_NANOS) / 1_000_000L);
  }

  private void failed(String what, RuntimeException e) {
    errors.increment();
    LOG.log(System.Logger.Level.WARNING, "shared template table: " + what + " failed: " + e);
  }
}
