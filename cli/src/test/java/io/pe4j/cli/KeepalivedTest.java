package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** keepalived.conf's virtual_server blocks into pe4j rules; what pe4j cannot honour is named. */
class KeepalivedTest {

  @TempDir Path dir;

  private int files;

  private Path write(String text) throws Exception {
    Path f = dir.resolve("keepalived-" + ++files + ".conf");
    Files.writeString(f, text);
    return f;
  }

  @Test
  void theExampleTranslatesToServicesServersAndChecks() throws Exception {
    Keepalived.Translation t = Keepalived.translate(Path.of("examples/keepalived.conf"));
    assertEquals(
        "# examples/keepalived.conf:20\n"
            + "-A -u 127.0.0.1:5060 -s rr -p 60 -M 0.0.0.0 -o --pe sip\n"
            + "-a -u 127.0.0.1:5060 -r 127.0.0.1:5070 -m -w 1\n"
            + "-a -u 127.0.0.1:5060 -r 127.0.0.1:5071 -m -w 1\n"
            + "check -u 127.0.0.1:5060 -r 127.0.0.1:5070 misc command=\"/usr/bin/true\""
            + " interval=5 timeout=3 rise=1 fall=1\n"
            + "check -u 127.0.0.1:5060 -r 127.0.0.1:5071 udp send=\"\\r\\n\\r\\n\" reply=optional"
            + " interval=5 timeout=2 rise=1 fall=3\n",
        t.rules());
    assertEquals(
        java.util.List.of(
            "examples/keepalived.conf:4: global_defs skipped: VRRP and system settings stay with"
                + " keepalived",
            "examples/keepalived.conf:9: vrrp_instance skipped: VRRP and system settings stay with"
                + " keepalived",
            "examples/keepalived.conf:45: delay_before_retry skipped: no pe4j meaning in a"
                + " UDP_CHECK"),
        t.warnings());
  }

  @Test
  void theCommandShowsTheTranslation() {
    CliTest.Run r = CliTest.run("ipvsadm", "--keepalived", "examples/keepalived.conf", "-Sn");
    assertEquals(0, r.code(), r.err());
    assertEquals(
        "-A -u 127.0.0.1:5060 -s rr -p 60 -M 0.0.0.0 --pe sip -o\n"
            + "-a -u 127.0.0.1:5060 -r 127.0.0.1:5070 -m -w 1\n"
            + "-a -u 127.0.0.1:5060 -r 127.0.0.1:5071 -m -w 1\n"
            + "check -u 127.0.0.1:5060 -r 127.0.0.1:5070 misc interval=5 timeout=3 rise=1 fall=1"
            + " command=\"/usr/bin/true\"\n"
            + "check -u 127.0.0.1:5060 -r 127.0.0.1:5071 udp interval=5 timeout=2 rise=1 fall=3"
            + " send=\"\\r\\n\\r\\n\" reply=optional\n",
        r.out());
    assertTrue(r.err().contains("warning: examples/keepalived.conf:9: vrrp_instance skipped"));
  }

  @Test
  void withoutInhibitOnFailureAFailedServerIsRemovedAsKeepalivedDoes() throws Exception {
    Path f =
        write(
            "virtual_server 10.0.0.1 5060 {\n  protocol UDP\n  lb_algo wrr\n  delay_loop 2\n"
                + "  real_server 192.168.10.1 5060 {\n    weight 3\n    UDP_CHECK {\n"
                + "      payload 0d0a0d0a\n      require_reply 0d0a\n      connect_timeout 1\n"
                + "    }\n  }\n}\n");
    String rules = Keepalived.translate(f).rules();
    assertTrue(rules.contains("-A -u 10.0.0.1:5060 -s wrr\n"), rules);
    assertTrue(rules.contains("-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 3\n"), rules);
    assertTrue(
        rules.contains(
            "check -u 10.0.0.1:5060 -r 192.168.10.1:5060 udp send=\"\\x0d\\x0a\\x0d\\x0a\""
                + " expect=\"\\x0d\\x0a\" interval=2 timeout=1 rise=1 fall=1 on-failure=remove"),
        rules);
    RulesFile.Rules parsed = RulesFile.split(f, rules);
    assertEquals("\r\n\r\n", parsed.checks().get(0).send());
    assertTrue(parsed.checks().get(0).remove());
  }

  @Test
  void aConnectTimeoutAboveDelayLoopIsClampedWithAWarning() throws Exception {
    Path f =
        write(
            "virtual_server 10.0.0.1 5060 {\n  protocol UDP\n  lb_algo wrr\n  delay_loop 2\n"
                + "  real_server 192.168.10.1 5060 {\n    UDP_CHECK {\n"
                + "      connect_timeout 5\n    }\n  }\n}\n");
    Keepalived.Translation t = Keepalived.translate(f);
    assertTrue(t.rules().contains(" interval=2 timeout=2 "), t.rules());
    assertTrue(
        t.warnings().stream()
            .anyMatch(w -> w.contains("timeout 5.0 s above delay_loop 2 s: pe4j waits at most")),
        t.warnings().toString());
    RulesFile.split(f, t.rules()); // a check pe4j forward accepts
  }

  @Test
  void whatPe4jCannotHonourIsRefusedOrSkippedWithFileAndLine() throws Exception {
    Path dr =
        write(
            "virtual_server 10.0.0.1 5060 {\n  protocol UDP\n  lb_kind DR\n"
                + "  real_server 192.168.10.1 5060 {\n  }\n}\n");
    assertEquals(
        dr + ":1: lb_kind DR is not supported: pe4j forwards as NAT only",
        assertThrows(IllegalArgumentException.class, () -> Keepalived.translate(dr)).getMessage());
    Path group = write("virtual_server_group SIP {\n  10.0.0.1 5060\n}\n");
    assertTrue(
        String.valueOf(
                assertThrows(IllegalArgumentException.class, () -> Keepalived.translate(group))
                    .getMessage())
            .startsWith(group + ":1: virtual_server_group is not supported"));
    Path tcpCheck =
        write(
            "virtual_server 10.0.0.1 5060 {\n  protocol UDP\n  lb_kind NAT\n"
                + "  real_server 192.168.10.1 5060 {\n    TCP_CHECK {\n      connect_timeout 3\n"
                + "    }\n  }\n}\n");
    Keepalived.Translation t = Keepalived.translate(tcpCheck);
    assertEquals(
        java.util.List.of(
            tcpCheck + ":5: TCP_CHECK skipped: pe4j has no such check; the server has none"),
        t.warnings());
    assertTrue(!t.rules().contains("check "), t.rules());
    Path unclosed = write("virtual_server 10.0.0.1 5060 {\n  protocol UDP\n");
    assertThrows(IllegalArgumentException.class, () -> Keepalived.translate(unclosed));
    CliTest.Run r = CliTest.run("forward", "--keepalived", dr.toString());
    assertEquals(Pe4j.USAGE, r.code());
    assertTrue(r.err().contains(":1: lb_kind DR is not supported"), r.err());
  }
}
