package com.example;

import io.pe4j.api.PersistenceEngine;
import io.pe4j.testkit.PersistenceEngineContract;
import java.nio.charset.StandardCharsets;
import java.util.List;

// tag::contract[]
public class EchoEngineTest extends PersistenceEngineContract {
  @Override
  protected PersistenceEngine engine() {
    return new EchoEngine();
  }

  @Override
  protected List<List<byte[]>> sessions() {
    return List.of(
        List.of(b("ECHOsession1 hello"), b("ECHOsession1 again")),
        List.of(b("ECHOsession2 hello")));
  }

  // tag::nearMisses[]
  @Override
  protected List<byte[]> nearMisses() {
    return List.of(b("ECHO"), b("ECHOshort"), b("ECHO12345678"));
  }
  // end::nearMisses[]

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
// end::contract[]
