package io.pe4j.engine.examples.tutorial;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.PersistenceEngine;
import io.pe4j.core.scenarios.Scenario;
import io.pe4j.testkit.PersistenceEngineContract;
import java.util.List;
import org.junit.jupiter.api.Test;

// tag::contract[]
public class CoapTokenEngineTest extends PersistenceEngineContract {

  @Override
  protected PersistenceEngine engine() {
    return new CoapTokenEngine();
  }

  // Optional: real traffic the engine must key, one list per session.
  @Override
  protected List<List<byte[]>> sessions() {
    byte[] get = {0x44, 0x01, 0x12, 0x34, 0x0a, 0x0b, 0x0c, 0x0d, (byte) 0xb4, 't', 'e', 'm', 'p'};
    byte[] retransmission = get.clone();
    byte[] other = {
      0x44, 0x01, 0x12, 0x35, 0x0a, 0x0b, 0x0c, 0x0e, (byte) 0xb4, 't', 'e', 'm', 'p'
    };
    return List.of(List.of(get, retransmission), List.of(other)); // two exchanges, two keys
  }

  // end::contract[]

  @Test
  void selectedWithPe_andListed() {
    // tag::ipvsadm[]
    Scenario s = Scenario.create(); // a core in virtual time, engines found by ServiceLoader
    s.ipvsadm("-A -u 10.0.0.1:5683 -s rr -p 60 -M 0.0.0.0 --pe coap -o");
    s.ipvsadm("-a -u 10.0.0.1:5683 -r 192.168.10.1:5683 -m");
    s.ipvsadm("-a -u 10.0.0.1:5683 -r 192.168.10.2:5683 -m");
    byte[] get = {0x44, 0x01, 0x12, 0x34, 0x0a, 0x0b, 0x0c, 0x0d, (byte) 0xb4, 't', 'e', 'm', 'p'};
    s.at("0").udp("198.51.100.7:40001", "10.0.0.1:5683", get).expect("FORWARD 192.168.10.2:5683");
    s.at("1").udp("198.51.100.8:40002", "10.0.0.1:5683", get).expect("FORWARD 192.168.10.2:5683");
    assertEquals(
        "IPVS connection entries\n"
            + "pro expire state       source             virtual            destination        pe name          pe_data\n"
            + "UDP 01:00  NONE        0.0.0.0:0          10.0.0.1:5683      192.168.10.2:5683 coap               \\x0a\\x0b\\x0c\\x0d\n",
        s.output("-Lcn --persistent-conn"));
    // end::ipvsadm[]
    assertTrue(s.ipvs().engines().uses("coap") > 0);
  }
}
