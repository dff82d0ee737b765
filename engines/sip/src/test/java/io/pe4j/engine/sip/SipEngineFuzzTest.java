package io.pe4j.engine.sip;

import static org.junit.jupiter.api.Assertions.assertTrue;

import com.code_intelligence.jazzer.junit.FuzzTest;
import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeResult;

/**
 * Coverage-guided fuzzing of the extractor with Jazzer. A normal build replays the seed corpus in
 * {@code SipEngineFuzzTestInputs/fuzz}; {@code JAZZER_FUZZ=1} fuzzes for real.
 */
class SipEngineFuzzTest {

  @FuzzTest(maxDuration = "30s")
  void fuzz(byte[] data) {
    ConnParam param = new ConnParam();
    PeResult r = Sip.ENGINE.fillParam(param, Datagram.udp(Sip.CLIENT, 5060, Sip.VIP, 5060, data));
    if (r.isMatch()) {
      assertTrue(param.peDataLength() >= 1 && param.peDataLength() <= 255);
    }
  }
}
