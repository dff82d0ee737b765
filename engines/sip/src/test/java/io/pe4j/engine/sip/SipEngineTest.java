package io.pe4j.engine.sip;

import static io.pe4j.engine.sip.Sip.request;
import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeData;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.Protocol;
import io.pe4j.api.TemplateView;
import org.jspecify.annotations.Nullable;
import org.junit.jupiter.api.Test;

class SipEngineTest {

  private final SipEngine engine = new SipEngine();

  @Test
  void name_isSip() {
    assertEquals("sip", engine.name());
    assertEquals(255, engine.maxLength());
  }

  @Test
  void otherProtocols_areRefused() {
    Datagram tcp =
        Datagram.udp(Sip.CLIENT, 5060, Sip.VIP, 5060, request("Call-ID: x").getBytes(ISO_8859_1));
    tcp.set(Protocol.TCP, Sip.CLIENT, 5060, Sip.VIP, 5060);
    assertEquals(SipEngine.NOT_UDP, engine.fillParam(new ConnParam(), tcp));
  }

  @Test
  void payloadPlacement_doesNotChangeTheResult() {
    byte[] msg = request("Call-ID: abc@h").getBytes(ISO_8859_1);
    for (boolean direct : new boolean[] {false, true}) {
      assertEquals("=abc@h", Sip.outcomeIn(msg, 0, 0, direct, (byte) 0));
      assertEquals("=abc@h", Sip.outcomeIn(msg, 17, 33, direct, (byte) '\n'));
    }
    // Bytes after the window must not be read: a window cut inside the value is truncated.
    byte[] cut = "INVITE sip:b SIP/2.0\r\nCall-ID: abc".getBytes(ISO_8859_1);
    assertEquals("!truncated Call-ID", Sip.outcomeIn(cut, 5, 40, false, (byte) '\n'));
  }

  @Test
  void maxLength_mustBe1To255() {
    assertThrows(IllegalArgumentException.class, () -> SipEngine.withMaxLength(0));
    assertThrows(IllegalArgumentException.class, () -> SipEngine.withMaxLength(256));
  }

  @Test
  void showPeData_printsPrintableCallIdsAsTheyAre() {
    assertEquals(
        "a84b4c76e66710@pc33.example.org",
        engine.showPeData(template("a84b4c76e66710@pc33.example.org")));
    assertEquals("<x@h> \\ `~", engine.showPeData(template("<x@h> \\ `~")));
  }

  @Test
  void showPeData_escapesControlAndNonAsciiBytes() {
    String shown = engine.showPeData(template("a\r\nUDP forged\u0000\u007f\u00e9"));
    assertEquals("a\\x0d\\x0aUDP forged\\x00\\x7f\\xe9", shown);
    assertFalse(shown.chars().anyMatch(c -> c < 0x20 || c > 0x7e));
  }

  @Test
  void ctMatch_comparesKeyFieldsAndCallIdBytes() {
    ConnParam param = param("abc@h", 0);
    assertTrue(engine.ctMatch(param, template("abc@h")));
    assertFalse(engine.ctMatch(param, template("ABC@h")));
    assertFalse(engine.ctMatch(param, template("abc@h2")));
    assertFalse(engine.ctMatch(param("abc@h", 1), template("abc@h")));
  }

  @Test
  void hashKey_dependsOnCallIdAndSeedOnly() {
    assertEquals(engine.hashKey(param("abc@h", 0), 7), engine.hashKey(param("abc@h", 1), 7));
    assertEquals(
        PeData.of("abc@h".getBytes(ISO_8859_1)).hash(7), engine.hashKey(param("abc@h", 0), 7));
    assertNotEquals(engine.hashKey(param("abc@h", 0), 7), engine.hashKey(param("abc@h", 0), 8));
  }

  @Test
  void connOut_extractsFromServerMessages() {
    assertTrue(engine.supportsConnOut());
    ConnParam p = new ConnParam();
    Datagram reply =
        Datagram.udp(
            IpAddress.parse("192.168.10.3"),
            5060,
            Sip.CLIENT,
            5060,
            "SIP/2.0 200 OK\r\nCall-ID: abc@h\r\n\r\n".getBytes(ISO_8859_1));
    assertTrue(engine.connOut(p, reply).isMatch());
    assertEquals(PeData.of("abc@h".getBytes(ISO_8859_1)), p.peDataCopy());
  }

  /** A parameter for client 198.51.100.10 (+{@code clientDelta}) to 10.0.0.1:5060 with pe data. */
  private ConnParam param(String callId, int clientDelta) {
    ConnParam p =
        new ConnParam()
            .set(
                false,
                Protocol.UDP,
                0,
                Sip.CLIENT.lo() + clientDelta,
                0,
                0,
                Sip.VIP.lo(),
                5060,
                engine);
    p.match(PeData.of(callId.getBytes(ISO_8859_1)));
    return p;
  }

  private TemplateView template(String callId) {
    PeData data = PeData.of(callId.getBytes(ISO_8859_1));
    return new TemplateView() {
      @Override
      public boolean isIpv6() {
        return false;
      }

      @Override
      public Protocol protocol() {
        return Protocol.UDP;
      }

      @Override
      public long clientHi() {
        return 0;
      }

      @Override
      public long clientLo() {
        return Sip.CLIENT.lo();
      }

      @Override
      public int clientPort() {
        return 0;
      }

      @Override
      public long virtualHi() {
        return 0;
      }

      @Override
      public long virtualLo() {
        return Sip.VIP.lo();
      }

      @Override
      public int virtualPort() {
        return 5060;
      }

      @Override
      public @Nullable PersistenceEngine engine() {
        return engine;
      }

      @Override
      public @Nullable PeData peData() {
        return data;
      }
    };
  }
}
