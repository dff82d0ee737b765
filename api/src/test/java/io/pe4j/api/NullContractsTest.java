package io.pe4j.api;

import com.google.common.testing.EqualsTester;
import com.google.common.testing.NullPointerTester;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * The SPI's null contracts, checked by Guava's {@link NullPointerTester}: every parameter not
 * marked {@code @Nullable} of every public constructor and method rejects null with a {@link
 * NullPointerException} (before it does anything else); the {@code @Nullable} ones accept it. And
 * the value types' {@code equals}/{@code hashCode}, by {@link EqualsTester}.
 */
class NullContractsTest {

  private static final List<Class<?>> PUBLIC_CLASSES =
      List.of(
          ConnParam.class,
          Datagram.class,
          IpAddress.class,
          PeData.class,
          PeResult.class,
          PersistenceEngine.class,
          PersistenceEngines.class,
          Protocol.class,
          TemplateView.class);

  static final PersistenceEngine ENGINE =
      new PersistenceEngine() {
        @Override
        public String name() {
          return "null-test";
        }

        @Override
        public PeResult fillParam(ConnParam param, Datagram datagram) {
          return PeResult.noMatch("test");
        }
      };

  private static NullPointerTester tester() {
    NullPointerTester t = new NullPointerTester();
    t.setDefault(IpAddress.class, IpAddress.parse("10.0.0.1"));
    t.setDefault(PeData.class, PeData.of(new byte[] {'a'}));
    t.setDefault(ByteBuffer.class, ByteBuffer.allocate(16));
    t.setDefault(PersistenceEngine.class, ENGINE);
    t.setDefault(Protocol.class, Protocol.UDP);
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
    violations.addAll(instanceViolations(t, new ConnParam()));
    violations.addAll(
        instanceViolations(
            t,
            Datagram.udp(
                IpAddress.parse("198.51.100.1"),
                5060,
                IpAddress.parse("10.0.0.1"),
                5060,
                new byte[8])));
    violations.addAll(instanceViolations(t, IpAddress.parse("2001:db8::1")));
    violations.addAll(
        instanceViolations(t, PeData.of("call@example.com".getBytes(StandardCharsets.UTF_8))));
    violations.addAll(instanceViolations(t, PeResult.noMatch("no Call-ID")));
    violations.addAll(instanceViolations(t, new PersistenceEngines().register(ENGINE)));
    org.junit.jupiter.api.Assertions.assertEquals(
        List.of(), violations, () -> String.join("\n", violations));
  }

  @Test
  void ipAddressEquality() {
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
  }

  @Test
  void peDataEquality() {
    byte[] id = "a84b4c76e66710@pc33.atlanta.com".getBytes(StandardCharsets.US_ASCII);
    ByteBuffer framed = ByteBuffer.allocate(id.length + 4);
    framed.position(2);
    framed.put(id);
    new EqualsTester()
        .addEqualityGroup(PeData.of(id), PeData.of(id.clone()), PeData.copyOf(framed, 2, id.length))
        .addEqualityGroup(PeData.of("A84B4C76E66710@pc33.atlanta.com".getBytes()))
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
