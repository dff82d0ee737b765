package io.pe4j.engine.sip;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;

import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import java.lang.module.Configuration;
import java.lang.module.ModuleFinder;
import java.nio.file.Path;
import java.util.List;
import java.util.ServiceLoader;
import java.util.Set;
import java.util.stream.Collectors;
import org.junit.jupiter.api.Test;

/** The sip engine is found through ServiceLoader on the class path and on the module path. */
class EngineDiscoveryTest {

  @Test
  void classPath_serviceLoaderFindsSip() {
    List<PersistenceEngine> found =
        ServiceLoader.load(PersistenceEngine.class).stream()
            .map(ServiceLoader.Provider::get)
            .collect(Collectors.toList());
    assertEquals(1, found.size());
    assertInstanceOf(SipEngine.class, found.get(0));
    assertInstanceOf(SipEngine.class, PersistenceEngines.installed().get("sip"));
  }

  @Test
  void modulePath_providesClauseFindsSip() throws Exception {
    Path api =
        Path.of(
            PersistenceEngine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    Path sip = Path.of(SipEngine.class.getProtectionDomain().getCodeSource().getLocation().toURI());
    ModuleFinder finder = ModuleFinder.of(api, sip);
    ModuleLayer boot = ModuleLayer.boot();
    Configuration cf =
        boot.configuration().resolveAndBind(finder, ModuleFinder.of(), Set.of("io.pe4j.api"));
    ModuleLayer layer =
        boot.defineModulesWithOneLoader(cf, ClassLoader.getSystemClassLoader().getParent());
    Class<?> service = layer.findLoader("io.pe4j.api").loadClass("io.pe4j.api.PersistenceEngine");
    assertEquals("io.pe4j.api", service.getModule().getName());
    List<String> providers =
        ServiceLoader.load(layer, service).stream()
            .map(p -> p.type().getName() + " in " + p.type().getModule().getName())
            .collect(Collectors.toList());
    assertEquals(List.of("io.pe4j.engine.sip.SipEngine in io.pe4j.engine.sip"), providers);
  }
}
