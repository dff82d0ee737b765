package io.pe4j.core;

import static java.nio.charset.StandardCharsets.UTF_8;

import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.Protocol;
import io.pe4j.core.ipvsadm.Ipvsadm;
import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.junit.jupiter.api.Test;

/**
 * The null contracts of the SPI ({@code pe4j-api}) and the core, checked by Guava's {@link
 * NullPointerTester} over every public class of both (here, where both are on the class path): each
 * parameter not marked {@code @Nullable} rejects null with a {@link NullPointerException} before
 * anything else happens; the {@code @Nullable} ones accept it. The value types' {@code
 * equals}/{@code hashCode} by {@link EqualsTester}.
 */
class NullContractsTest {

  private static final List<Class<?>> PUBLIC_CLASSES =
      List.of(
          // pe4j-api, the SPI
          io.pe4j.api.ConnParam.class,
          Datagram.class,
          IpAddress.class,
          io.pe4j.api.PeData.class,
          io.pe4j.api.PeResult.class,
          io.pe4j.api.PersistenceEngine.class,
          PersistenceEngines.class,
          Protocol.class,
          io.pe4j.api.TemplateView.class,
          // pe4j-core
          ConfigPlane.class,
          ConnectionEntry.class,
          Counters.class,
          Destination.class,
          DestinationSpec.class,
          FailurePolicy.class,
          ForwardingMethod.class,
          Ipvs.class,
          Ipvs.Builder.class,
          Ipvs.TemplateStoreKind.class,
          IpvsadmException.class,
          Scheduler.class,
          Schedulers.class,
          ServiceSpec.class,
          SharedTemplates.class,
          SyncPeer.class,
          Timeouts.class,
          Verdict.class,
          VirtualService.class,
          Ipvsadm.class);

  private final Ipvs ipvs = Ipvs.builder().ticker(new VirtualClock()).build();
  private final VirtualService svc;
  private final Verdict verdict;

  NullContractsTest() {
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 60 --pe sip -o");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m");
    svc = ipvs.services().get(0);
    verdict =
        ipvs.process(Packets.udp("198.51.100.1:5060", "10.0.0.1:5060", Packets.invite("n@x")));
  }

  private NullPointerTester tester() {
    NullPointerTester t = new NullPointerTester();
    t.setDefault(IpAddress.class, IpAddress.parse("10.0.0.9"));
    t.setDefault(Protocol.class, Protocol.UDP);
    t.setDefault(Duration.class, Duration.ofMillis(100));
    t.setDefault(
        Datagram.class, Packets.udp("198.51.100.2:5060", "10.0.0.1:5060", Packets.invite("d@x")));
    t.setDefault(PersistenceEngines.class, new PersistenceEngines());
    t.setDefault(ServiceSpec.class, ServiceSpec.udp(IpAddress.parse("10.0.0.2"), 5060));
    t.setDefault(
        DestinationSpec.class, DestinationSpec.masq(IpAddress.parse("192.168.10.2"), 5060));
    t.setDefault(VirtualService.class, svc);
    t.setDefault(Ipvs.class, ipvs);
    t.setDefault(String.class, "-Ln");
    t.setDefault(Appendable.class, new StringBuilder());
    t.setDefault(io.pe4j.api.PeData.class, io.pe4j.api.PeData.of(new byte[] {'a'}));
    t.setDefault(java.nio.ByteBuffer.class, java.nio.ByteBuffer.allocate(16));
    t.setDefault(
        io.pe4j.api.PersistenceEngine.class, java.util.Objects.requireNonNull(svc.engine()));
    t.setDefault(java.net.InetAddress.class, java.net.InetAddress.getLoopbackAddress());
    return t;
  }

  @Test
  void publicStaticMethodsAndConstructorsRejectNull() {
    NullPointerTester t = tester();
    List<String> violations = new java.util.ArrayList<>();
    for (Class<?> c : PUBLIC_CLASSES) {
      violations.addAll(staticViolations(t, c));
    }
    org.junit.jupiter.api.Assertions.assertEquals(
        List.of(), violations, () -> String.join("\n", violations));
  }

  @Test
  void publicInstanceMethodsRejectNull() {
    NullPointerTester t = tester();
    List<String> violations = new java.util.ArrayList<>();
    violations.addAll(instanceViolations(t, Ipvs.builder()));
    violations.addAll(instanceViolations(t, ipvs));
    violations.addAll(instanceViolations(t, ipvs.config));
    violations.addAll(instanceViolations(t, ipvs.sync));
    violations.addAll(instanceViolations(t, svc));
    violations.addAll(instanceViolations(t, svc.destinations().get(0)));
    violations.addAll(instanceViolations(t, verdict));
    violations.addAll(instanceViolations(t, new Schedulers()));
    violations.addAll(instanceViolations(t, ServiceSpec.udp(IpAddress.parse("10.0.0.3"), 5060)));
    violations.addAll(
        instanceViolations(t, DestinationSpec.masq(IpAddress.parse("192.168.10.3"), 5060)));
    violations.addAll(instanceViolations(t, ipvs.connectionEntries().iterator().next()));
    violations.addAll(instanceViolations(t, new io.pe4j.api.ConnParam()));
    violations.addAll(
        instanceViolations(
            t, Packets.udp("198.51.100.1:5060", "10.0.0.1:5060", Packets.invite("i@x"))));
    violations.addAll(instanceViolations(t, IpAddress.parse("2001:db8::1")));
    violations.addAll(
        instanceViolations(t, io.pe4j.api.PeData.of("call@example.com".getBytes(UTF_8))));
    violations.addAll(instanceViolations(t, io.pe4j.api.PeResult.noMatch("no Call-ID")));
    violations.addAll(instanceViolations(t, PersistenceEngines.installed()));
    org.junit.jupiter.api.Assertions.assertEquals(
        List.of(), violations, () -> String.join("\n", violations));
  }

  @Test
  void ipAddressAndPeDataEquality() {
    new EqualsTester()
        .addEqualityGroup(
            IpAddress.parse("10.0.0.1"),
            IpAddress.ofIpv4(0x0A000001),
            IpAddress.of(new byte[] {10, 0, 0, 1}),
            IpAddress.of(false, 0, 0x0A000001L))
        .addEqualityGroup(IpAddress.parse("10.0.0.2"))
        .addEqualityGroup(
            IpAddress.parse("::1"), IpAddress.ofIpv6(0, 1), IpAddress.parse("0:0:0:0:0:0:0:1"))
        .addEqualityGroup(IpAddress.parse("::ffff:10.0.0.1"))
        .testEquals();
    byte[] id = "a84b4c76e66710@pc33.atlanta.com".getBytes(UTF_8);
    java.nio.ByteBuffer framed = java.nio.ByteBuffer.allocate(id.length + 4);
    framed.position(2);
    framed.put(id);
    new EqualsTester()
        .addEqualityGroup(
            io.pe4j.api.PeData.of(id),
            io.pe4j.api.PeData.of(id.clone()),
            io.pe4j.api.PeData.copyOf(framed, 2, id.length))
        .addEqualityGroup(io.pe4j.api.PeData.of("A84B4C76E66710@pc33.atlanta.com".getBytes(UTF_8)))
        .testEquals();
  }

  @Test
  void valueTypesEquality() {
    IpAddress vip = IpAddress.parse("10.0.0.1");
    new EqualsTester()
        .addEqualityGroup(
            ServiceSpec.udp(vip, 5060), ServiceSpec.udp(IpAddress.parse("10.0.0.1"), 5060))
        .addEqualityGroup(ServiceSpec.udp(vip, 5061))
        .addEqualityGroup(ServiceSpec.udp(vip, 5060).withPersistence(60))
        .addEqualityGroup(ServiceSpec.udp(vip, 5060).withEngine("sip"))
        .addEqualityGroup(ServiceSpec.udp(vip, 5060).withSchedulerFlags(Set.of("sh-port")))
        .testEquals();
    IpAddress rs = IpAddress.parse("192.168.10.1");
    new EqualsTester()
        .addEqualityGroup(
            DestinationSpec.masq(rs, 5060), DestinationSpec.masq(rs, 5060).withWeight(1))
        .addEqualityGroup(DestinationSpec.masq(rs, 5060).withWeight(5))
        .addEqualityGroup(DestinationSpec.masq(IpAddress.parse("192.168.10.2"), 5060))
        .testEquals();
    new EqualsTester()
        .addEqualityGroup(Timeouts.DEFAULT, new Timeouts(900, 120, 300))
        .addEqualityGroup(new Timeouts(900, 120, 60))
        .testEquals();
  }

  /** Each public static method and constructor of {@code c}, checked on its own. */
  static List<String> staticViolations(NullPointerTester t, Class<?> c) {
    List<String> out = new java.util.ArrayList<>();
    for (java.lang.reflect.Method m : c.getDeclaredMethods()) {
      int mod = m.getModifiers();
      if (java.lang.reflect.Modifier.isStatic(mod)
          && java.lang.reflect.Modifier.isPublic(mod)
          && !m.isSynthetic()) {
        try {
          t.testMethod(null, m);
        } catch (AssertionError | RuntimeException e) {
          out.add(c.getSimpleName() + "." + m.getName() + ": " + e.getMessage());
        }
      }
    }
    for (java.lang.reflect.Constructor<?> k : c.getConstructors()) {
      try {
        t.testConstructor(k);
      } catch (AssertionError | RuntimeException e) {
        out.add(c.getSimpleName() + ".<init>: " + e.getMessage());
      }
    }
    return out;
  }

  /** Each public instance method of {@code instance}, checked on its own. */
  static List<String> instanceViolations(NullPointerTester t, Object instance) {
    List<String> out = new java.util.ArrayList<>();
    for (java.lang.reflect.Method m : instance.getClass().getMethods()) {
      if (!java.lang.reflect.Modifier.isStatic(m.getModifiers())
          && m.getDeclaringClass() != Object.class
          && !m.getName().equals("equals") // Object's contract: equals(null) is false
          && !m.isSynthetic()
          && !m.isBridge()) {
        try {
          t.testMethod(instance, m);
        } catch (AssertionError | RuntimeException e) {
          out.add(instance.getClass().getSimpleName() + "." + m.getName() + ": " + e.getMessage());
        }
      }
    }
    return out;
  }
}
