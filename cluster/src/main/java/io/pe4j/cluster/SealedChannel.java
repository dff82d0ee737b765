package io.pe4j.cluster;

import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.security.GeneralSecurityException;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.concurrent.atomic.LongAdder;
import javax.crypto.Mac;
import javax.crypto.SecretKey;
import javax.crypto.spec.SecretKeySpec;
import org.jgroups.Address;
import org.jgroups.JChannel;
import org.jgroups.Message;
import org.jgroups.conf.ClassConfigurator;
import org.jgroups.protocols.EncryptHeader;
import org.jgroups.protocols.FD_ALL3;
import org.jgroups.protocols.FD_SOCK2;
import org.jgroups.protocols.FRAG4;
import org.jgroups.protocols.MERGE3;
import org.jgroups.protocols.MFC;
import org.jgroups.protocols.SYM_ENCRYPT;
import org.jgroups.protocols.TCP;
import org.jgroups.protocols.TCPPING;
import org.jgroups.protocols.UFC;
import org.jgroups.protocols.UNICAST3;
import org.jgroups.protocols.VERIFY_SUSPECT2;
import org.jgroups.protocols.pbcast.GMS;
import org.jgroups.protocols.pbcast.NAKACK2;
import org.jgroups.protocols.pbcast.STABLE;
import org.jgroups.stack.Protocol;
import org.jgroups.util.MessageBatch;
import org.jspecify.annotations.Nullable;

/**
 * The JGroups channel of a pe4j cluster: TCP on the member's own address only, a fixed member list
 * (no multicast), and every message above the transport — discovery, failure detection, merges,
 * membership and the template table's own traffic — encrypted with a key derived from the cluster
 * secret and the cluster name ({@code SYM_ENCRYPT}, placed right above the transport). A process
 * without the secret can open a TCP connection to the cluster port, but nothing it sends is
 * accepted (each refused message is counted and, at most once a second, logged), and nothing it
 * receives can be read.
 */
final class SealedChannel {

  private static final System.Logger LOG = System.getLogger("io.pe4j.cluster");

  private SealedChannel() {}

  /**
   * The AES-256 key of the cluster {@code name} for {@code secret}: HMAC-SHA-256 of the name under
   * the secret, so that two clusters sharing a secret still cannot read each other.
   */
  static SecretKey key(byte[] secret, String name) {
    try {
      Mac mac = Mac.getInstance("HmacSHA256");
      mac.init(new SecretKeySpec(secret, "HmacSHA256"));
      byte[] k = mac.doFinal(("pe4j cluster key v1\0" + name).getBytes(StandardCharsets.UTF_8));
      return new SecretKeySpec(k, "AES");
    } catch (GeneralSecurityException e) {
      throw new IllegalStateException("no HMAC-SHA-256 in this JVM", e);
    }
  }

  /** Builds (does not connect) the channel. */
  static JChannel build(
      InetAddress host,
      int port,
      List<InetSocketAddress> members,
      @Nullable Sealer sealer,
      long suspectMillis)
      throws Exception {
    List<Protocol> stack = new ArrayList<>();
    TCP tcp = new TCP();
    tcp.setBindAddr(host);
    tcp.setBindPort(port);
    tcp.setPortRange(0);
    // a new call's offer is one small request and its answer: without TCP_NODELAY, Nagle and the
    // peer's delayed ACK held one in ten for ~40 ms (p50 0.4 ms, p90 43 ms on loopback)
    tcp.tcpNodelay(true);
    stack.add(tcp);
    if (sealer != null) { // null: a test's stranger without encryption
      stack.add(sealer);
    }
    TCPPING ping = new TCPPING();
    ping.setInitialHosts(members);
    ping.setPortRange(0);
    stack.add(ping);
    stack.add(new MERGE3().setMinInterval(1000).setMaxInterval(3000).setCheckInterval(5000));
    stack.add(new FD_SOCK2().setBindAddress(host)); // its own port (+100): this address only too
    stack.add(
        new FD_ALL3().setTimeout(suspectMillis).setInterval(Math.max(250, suspectMillis / 4)));
    stack.add(new VERIFY_SUSPECT2().setTimeout(500));
    stack.add(new NAKACK2());
    stack.add(new UNICAST3());
    stack.add(new STABLE());
    stack.add(new GMS().setJoinTimeout(2000));
    stack.add(new UFC());
    stack.add(new MFC());
    stack.add(new FRAG4());
    return new JChannel(stack);
  }

  /**
   * {@code SYM_ENCRYPT} that counts what it refuses: a message without the encryption header (a
   * member without encryption) or under another key (a wrong secret, or another cluster's name).
   */
  static final class Sealer extends SYM_ENCRYPT {
    /** The protocol's id in JGroups' registry (its headers' id): past JGroups' own range. */
    static final short ID = 1877;

    static {
      if (ClassConfigurator.getProtocolId(Sealer.class) == 0) {
        ClassConfigurator.addProtocol(ID, Sealer.class);
      }
    }

    private final LongAdder refused = new LongAdder();
    private volatile long lastLog;

    Sealer(SecretKey key) throws Exception {
      setSecretKey(key);
    }

    long refused() {
      return refused.sum();
    }

    @Override
    public @Nullable Object up(Message msg) {
      if (!sealed(msg)) {
        refuse(msg.src());
        return null;
      }
      return super.up(msg);
    }

    @Override
    public void up(MessageBatch batch) {
      int before = batch.size();
      batch.removeIf(m -> !sealed(m), true);
      if (batch.size() < before) {
        refuse(batch.sender());
      }
      if (!batch.isEmpty()) {
        super.up(batch);
      }
    }

    private boolean sealed(Message m) {
      EncryptHeader h = m.getHeader(id);
      return h != null && Arrays.equals(h.version(), symVersion());
    }

    private void refuse(@Nullable Address from) {
      refused.increment();
      long now = System.nanoTime();
      if (now - lastLog > 1_000_000_000L) {
        lastLog = now;
        LOG.log(
            System.Logger.Level.WARNING,
            "cluster: refused a message from "
                + from
                + " (not sealed with this cluster's secret; "
                + refused.sum()
                + " refused so far)");
      }
    }
  }
}
