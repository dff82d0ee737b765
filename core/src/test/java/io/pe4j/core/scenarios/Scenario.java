package io.pe4j.core.scenarios;

import static org.junit.jupiter.api.Assertions.assertEquals;

import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.Protocol;
import io.pe4j.core.Ipvs;
import io.pe4j.core.IpvsadmException;
import io.pe4j.core.StoreUnderTest;
import io.pe4j.core.Verdict;
import io.pe4j.core.VirtualClock;
import io.pe4j.core.ipvsadm.Ipvsadm;
import java.nio.ByteBuffer;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * A scenario harness for the core: ipvsadm lines and datagrams at virtual times, with the expected
 * verdicts and listings — compact enough that a scenario of {@code docs/ipvs-semantics.md} §13
 * reads like the spec:
 *
 * <pre>{@code
 * Scenario s = Scenario.create();
 * s.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 300 --pe sip -o");
 * s.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
 * s.at("0").udp("198.51.100.10:5060", "10.0.0.1:5060", SipMessages.invite("A"))
 *     .expect("FORWARD 192.168.10.1:5060");
 * }</pre>
 */
public final class Scenario {

  private final VirtualClock clock = new VirtualClock();
  private final Ipvs ipvs;
  private @Nullable Verdict last;

  private Scenario(PersistenceEngines engines, long maxTemplates) {
    this.ipvs =
        StoreUnderTest.builder().ticker(clock).engines(engines).maxTemplates(maxTemplates).build();
  }

  /** Returns a scenario over the engines ServiceLoader finds, at time 0. */
  public static Scenario create() {
    return new Scenario(PersistenceEngines.installed(), 1 << 20);
  }

  /** Returns a scenario over the given engines, at time 0. */
  public static Scenario create(PersistenceEngines engines) {
    return new Scenario(engines, 1 << 20);
  }

  /** Returns a scenario over the installed engines with a template bound. */
  public static Scenario withMaxTemplates(long maxTemplates) {
    return new Scenario(PersistenceEngines.installed(), maxTemplates);
  }

  /** Returns the director under test. */
  public Ipvs ipvs() {
    return ipvs;
  }

  /** Returns the clock. */
  public VirtualClock clock() {
    return clock;
  }

  /** Sets the virtual time in seconds ({@code "299.999"}); it must not go backwards. */
  public Scenario at(String seconds) {
    clock.at(seconds);
    return this;
  }

  /** Runs an ipvsadm command line; it must succeed. */
  public Scenario ipvsadm(String line) {
    ipvs.ipvsadm(line);
    return this;
  }

  /** Runs an ipvsadm command line and returns what it prints. */
  public String output(String line) {
    return ipvs.ipvsadm(line);
  }

  /** Runs an ipvsadm command line that must fail, and returns ipvsadm's message. */
  public String fails(String line) {
    try {
      ipvs.ipvsadm(line);
    } catch (IpvsadmException e) {
      return String.valueOf(e.getMessage());
    }
    throw new AssertionError("expected ipvsadm to refuse: " + line);
  }

  /** Sets a sysctl: {@code expire_quiescent_template} or {@code expire_nodest_conn}. */
  public Scenario sysctl(String name, boolean on) {
    switch (name) {
      case "expire_quiescent_template":
        ipvs.control().setExpireQuiescentTemplate(on);
        break;
      case "expire_nodest_conn":
        ipvs.control().setExpireNodestConn(on);
        break;
      default:
        throw new IllegalArgumentException("unknown sysctl: " + name);
    }
    return this;
  }

  /**
   * Sends a UDP datagram from a client ({@code "198.51.100.10:5060"}, {@code
   * "[2001:db8::1]:5060"}).
   */
  public Scenario udp(String from, String to, byte[] payload) {
    last = ipvs.process(datagram(Protocol.UDP, from, to, payload, 0));
    ipvs.sync().flush(); // sync leaves on its own thread: what a step sent has arrived after it
    return this;
  }

  /** Sends a datagram from a client with a protocol and fwmark (0 = none). */
  public Scenario send(Protocol protocol, String from, String to, byte[] payload, int fwmark) {
    last = ipvs.process(datagram(protocol, from, to, payload, fwmark));
    ipvs.sync().flush();
    return this;
  }

  /** Sends a UDP datagram from a real server to a client (spec §6.10). */
  public Scenario fromServer(String from, String to, byte[] payload) {
    last = ipvs.processFromServer(datagram(Protocol.UDP, from, to, payload, 0));
    ipvs.sync().flush();
    return this;
  }

  /** Returns the last verdict. */
  public Verdict verdict() {
    return Objects.requireNonNull(last, "no datagram sent yet");
  }

  /**
   * Asserts the last verdict as {@link Verdict#toString()} prints it: {@code FORWARD 1.2.3.4:5}.
   */
  public Scenario expect(String verdict) {
    assertEquals(verdict, verdict().toString(), "verdict at t=" + clock.seconds());
    return this;
  }

  /** Returns the rows of {@code /proc/net/ip_vs_conn}, without its title line. */
  public List<String> procRows() {
    List<String> rows = new ArrayList<>(Arrays.asList(Ipvsadm.procConn(ipvs).split("\n")));
    rows.remove(0);
    return rows;
  }

  /** Parses {@code ADDR:PORT} or {@code [V6]:PORT}. */
  public static IpAddress address(String endpoint) {
    int colon = endpoint.lastIndexOf(':');
    return IpAddress.parse(endpoint.substring(0, colon));
  }

  /** Returns the port of {@code ADDR:PORT}. */
  public static int port(String endpoint) {
    return Integer.parseInt(endpoint.substring(endpoint.lastIndexOf(':') + 1));
  }

  static Datagram datagram(Protocol protocol, String from, String to, byte[] payload, int fwmark) {
    return new Datagram()
        .set(protocol, address(from), port(from), address(to), port(to))
        .payload(ByteBuffer.wrap(payload), 0, payload.length)
        .fwmark(fwmark);
  }
}
