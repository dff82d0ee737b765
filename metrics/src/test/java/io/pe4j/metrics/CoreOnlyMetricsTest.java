package io.pe4j.metrics;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/**
 * A core-only embedder's metrics need neither the forwarder nor Netty: {@code Pe4jMetrics} loads,
 * binds and scrapes the core in a class loader that has neither; the control shows that loader
 * really lacks them ({@code ForwarderMetrics} cannot load there).
 */
class CoreOnlyMetricsTest {

  @Test
  void theCoreMetersNeedNoForwarderAndNoNetty() throws Exception {
    try (URLClassLoader loader = withoutForwarderAndNetty()) {
      Class<?> ipvsClass = loader.loadClass("io.pe4j.core.Ipvs");
      Object builder = ipvsClass.getMethod("builder").invoke(null);
      Object ipvs = builder.getClass().getMethod("build").invoke(builder);
      ipvsClass.getMethod("ipvsadm", String.class).invoke(ipvs, "-A -u 10.0.0.1:5060 -s rr");
      Class<?> registryClass =
          loader.loadClass("io.micrometer.core.instrument.simple.SimpleMeterRegistry");
      Object registry = registryClass.getConstructor().newInstance();
      Class<?> metricsClass = loader.loadClass("io.pe4j.metrics.Pe4jMetrics");
      assertEquals(loader, metricsClass.getClassLoader());
      Object metrics = metricsClass.getConstructor(ipvsClass).newInstance(ipvs);
      Method bindTo =
          metricsClass.getMethod(
              "bindTo", loader.loadClass("io.micrometer.core.instrument.MeterRegistry"));
      bindTo.invoke(metrics, registry);
      metricsClass.getMethod("refresh").invoke(metrics);
      List<?> meters = (List<?>) registryClass.getMethod("getMeters").invoke(registry);
      assertTrue(meters.size() > 5, meters.toString());
      // control: the forwarder's meters do need the forwarder, which this loader does not have
      assertThrows(
          Throwable.class,
          () -> loader.loadClass("io.pe4j.metrics.ForwarderMetrics").getConstructors());
      assertThrows(ClassNotFoundException.class, () -> loader.loadClass("io.netty.buffer.ByteBuf"));
    }
  }

  /** This test's class path without the forwarder's classes and Netty's jars. */
  private static URLClassLoader withoutForwarderAndNetty() throws Exception {
    List<URL> urls = new ArrayList<>();
    for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
      String e = entry.replace('\\', '/');
      if (e.contains("netty") || e.contains("forwarder")) {
        continue;
      }
      urls.add(new File(entry).toURI().toURL());
    }
    assertFalse(urls.isEmpty());
    return new URLClassLoader(urls.toArray(new URL[0]), ClassLoader.getPlatformClassLoader());
  }
}
