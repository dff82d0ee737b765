package com.example;

import io.pe4j.api.PersistenceEngine;
import io.pe4j.testkit.PersistenceEngineContract;
import java.nio.charset.StandardCharsets;
import java.util.List;

class EchoEngineTest extends PersistenceEngineContract {
  @Override
  protected PersistenceEngine engine() {
    return new EchoEngine();
  }

  @Override
  protected List<List<byte[]>> sessions() {
    return List.of(List.of(b("ECHOsession1 hello"), b("ECHOsession1 again")));
  }

  /** Near misses: too short for a key, and a key of exactly the minimum length. */
  @Override
  protected List<byte[]> nearMisses() {
    return List.of(b("ECHO"), b("ECHOshort"), b("ECHO12345678"));
  }

  private static byte[] b(String s) {
    return s.getBytes(StandardCharsets.US_ASCII);
  }
}
