package io.pe4j.core.scenarios;

import static io.pe4j.core.scenarios.Fixtures.A;
import static io.pe4j.core.scenarios.Fixtures.C1;
import static io.pe4j.core.scenarios.Fixtures.RS3;
import static io.pe4j.core.scenarios.Fixtures.VIP;
import static io.pe4j.core.scenarios.Fixtures.f1;
import static io.pe4j.core.scenarios.Fixtures.f2;
import static io.pe4j.core.scenarios.Fixtures.fwd;
import static io.pe4j.core.scenarios.Fixtures.m;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.api.PersistenceEngines;
import io.pe4j.core.ipvsadm.Ipvsadm;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** Scenarios 53 and 54: sync to a backup director, versions 1 and 0 (spec §7). */
class Scenarios53And54SyncTest {

  @Test
  void scenario53_syncV1CarriesTheCallId() {
    Scenario master = f1("");
    Scenario backup = f1("");
    master.ipvs().sync().startMaster(0, 1, backup.ipvs().sync()::apply);
    master.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    assertEquals(
        List.of("UDP C633640A 0000 0A000001 13C4 C0A80A03 13C4 NONE            300 sip " + A),
        backup.procRows());
    assertTrue(
        Ipvsadm.procConnSync(backup.ipvs())
            .contains("UDP C633640A 0000 0A000001 13C4 C0A80A03 13C4 NONE        SYNC       300\n"),
        Ipvsadm.procConnSync(backup.ipvs()));
    // the backup, taking over, keeps the call on RS3
    backup.at("10").udp(C1, VIP, m(A)).expect(fwd(RS3));
  }

  @Test
  void scenario53_backupWithoutTheEngineIgnoresTheEntry() {
    Scenario master = f1("");
    Scenario backup = Scenario.create(new PersistenceEngines());
    backup.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 300 -o");
    for (int n = 1; n <= 3; n++) {
      backup.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10." + n + ":5060 -m");
    }
    master.ipvs().sync().startMaster(0, 1, backup.ipvs().sync()::apply);
    master.at("0").udp(C1, VIP, m(A)).expect(fwd(RS3));
    assertTrue(backup.procRows().isEmpty());
    assertEquals(1, backup.ipvs().sync().skipped());
  }

  @Test
  void scenario54_syncV0WithOpsSendsNothing() {
    Scenario master = f1("");
    List<byte[]> sent = new ArrayList<>();
    master.ipvs().sync().startMaster(0, 0, sent::add);
    for (int t = 0; t < 5; t++) {
      master.at(Integer.toString(t)).udp(C1, VIP, m(A)).expect(fwd(RS3));
    }
    assertTrue(sent.isEmpty());
  }

  @Test
  void scenario54_syncV0WithoutOpsLosesTheCallId() {
    Scenario master = f2("");
    Scenario backup = f2("");
    master.ipvs().sync().startMaster(0, 0, backup.ipvs().sync()::apply);
    for (int t = 0; t < 3; t++) {
      backup.at(Integer.toString(t)); // both directors' clocks move together
      master.at(Integer.toString(t)).udp(C1, VIP, m(A)).expect(fwd(RS3));
    }
    // no pe data, and v0 carries no timeout: the backup gives templates 180 s
    assertEquals(
        List.of("UDP C633640A 0000 0A000001 13C4 C0A80A03 13C4 NONE            180"),
        backup.procRows());
  }

  @Test
  void malformedSyncMessages_areCountedNotThrown() {
    Scenario backup = f1("");
    assertEquals(0, backup.ipvs().sync().apply(new byte[] {0, 0, 0}));
    assertEquals(
        0, backup.ipvs().sync().apply(new byte[] {0, 1, 0, 40, 1, 1, 0, 0, 0, 17, 0, (byte) 0xff}));
    assertEquals(0, backup.ipvs().sync().apply(new byte[] {5, 0, 0, 4}));
    assertEquals(3, backup.ipvs().sync().errors());
  }
}
