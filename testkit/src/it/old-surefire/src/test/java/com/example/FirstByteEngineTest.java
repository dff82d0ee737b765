package com.example;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.testkit.PersistenceEngineContract;

public class FirstByteEngineTest extends PersistenceEngineContract {
  @Override
  protected PersistenceEngine engine() {
    return new PersistenceEngine() {
      @Override
      public String name() {
        return "firstbyte";
      }

      @Override
      public PeResult fillParam(ConnParam param, Datagram datagram) {
        return PeResult.noMatch("never matches");
      }
    };
  }
}
