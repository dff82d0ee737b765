package io.pe4j.core;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import io.pe4j.core.ipvsadm.Ipvsadm;
import java.util.List;
import org.junit.jupiter.api.Test;

class IpvsadmTest {

  private final Ipvs ipvs = Ipvs.builder().ticker(new VirtualClock()).build();

  private String fails(String line) {
    return String.valueOf(
        assertThrows(IpvsadmException.class, () -> ipvs.ipvsadm(line)).getMessage());
  }

  static final String RULES =
      "-A -u 10.0.0.1:5060 -s rr -p 60 -M 0.0.0.0 --pe sip -o\n"
          + "-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 1\n"
          + "-a -u 10.0.0.1:5060 -r 192.168.10.2:5060 -m -w 3\n"
          + "-A -u 10.0.0.1:5061 -s wlc -p 300 --pe sip --pe-failure drop\n"
          + "-a -u 10.0.0.1:5061 -r 192.168.10.9:5061 -m -w 0\n"
          + "-A -t 10.0.0.2:80 -s sh -b sh-fallback,sh-port\n"
          + "-a -t 10.0.0.2:80 -r 192.168.20.1:80 -g -w 1\n"
          + "-a -t 10.0.0.2:80 -r 192.168.20.2:80 -i -w 2\n"
          + "-A -u [2001:db8::1]:5060 -s rr -p 300 -M 64 --pe sip -o\n"
          + "-a -u [2001:db8::1]:5060 -r [2001:db8:10::1]:5060 -m -w 1\n"
          + "-A -f 7 -s mh -b mh-port -p 120\n"
          + "-a -f 7 -r 192.168.30.1:0 -m -w 1\n"
          + "-A -f 8 -6 -s rr -p 120\n"
          + "-A --sctp-service 10.0.0.3:2905 -s rr\n";

  @Test
  void save_thenRestore_givesTheSameSave() {
    Ipvsadm.execute(ipvs, List.of("-R"), RULES);
    String saved = ipvs.ipvsadm("-Sn");
    Ipvs other = Ipvs.builder().build();
    Ipvsadm.execute(other, List.of("-R"), saved);
    assertEquals(saved, other.ipvsadm("-Sn"));
    assertEquals(7, saved.lines().filter(l -> l.startsWith("-a")).count());
    assertEquals(7, saved.lines().filter(l -> l.startsWith("-A")).count());
    assertTrue(
        saved.contains("-A -u 10.0.0.1:5061 -s wlc -p 300 --pe sip --pe-failure drop\n"), saved);
    assertTrue(saved.contains("-A -u [2001:db8::1]:5060 -s rr -p 300 -M 64 --pe sip -o\n"), saved);
    assertTrue(saved.contains("-A -f 8 -6 -s rr -p 120\n"), saved);
    assertTrue(saved.contains("-a -t 10.0.0.2:80 -r 192.168.20.2:80 -i -w 2\n"), saved);
  }

  @Test
  void restore_namesTheFailingLine_andIgnoresCommentsAndTheIpvsadmWord() {
    String msg =
        String.valueOf(
            assertThrows(
                    IpvsadmException.class,
                    () ->
                        Ipvsadm.execute(
                            ipvs,
                            List.of("-R"),
                            "# rules\nipvsadm -A -u 10.0.0.1:5060 -s rr\n\n-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 70000\n"))
                .getMessage());
    assertEquals(
        "line 4: illegal weight specified: 70000: -a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 70000",
        msg);
    assertEquals(
        1, ipvs.services().size()); // lines before the error took effect, as ipvsadm -R does
  }

  @Test
  void validation_messages() {
    assertEquals(
        "One-Packet Scheduling is only for UDP virtual services", fails("-A -t 10.0.0.1:5060 -o"));
    assertEquals("Zero port specified for non-persistent service", fails("-A -u 10.0.0.1:0 -s rr"));
    assertEquals("illegal ipv6 netmask specified", fails("-A -u [2001:db8::1]:5060 -p 300 -M 129"));
    assertTrue(
        fails("-A -u 10.0.0.1:5060 -s nosuch")
            .startsWith("Scheduler or persistence engine not found"));
    assertEquals("invalid option: --bogus", fails("-A -u 10.0.0.1:5060 --bogus"));
    assertEquals("multiple commands specified (-D)", fails("-A -D -u 10.0.0.1:5060"));
    assertEquals("option -s requires an argument", fails("-A -u 10.0.0.1:5060 -s"));
    assertEquals(
        "illegal virtual server address[:port] specified: 10.0.0.300:5060",
        fails("-A -u 10.0.0.300:5060"));
    assertEquals("No such service", fails("-a -u 10.9.9.9:5060 -r 192.168.10.1 -m"));
    assertEquals(
        "invalid scheduler flag: sh-bogus", fails("-A -u 10.0.0.1:5060 -s sh -b sh-bogus"));
    assertEquals("incompatible scheduler flag", fails("-A -u 10.0.0.1:5060 -s rr -b sh-port"));
    assertEquals(
        "Illegal service options with add-server",
        fails("-a -u 10.0.0.1:5060 -r 192.168.10.1 -s rr"));
    assertEquals(
        "--pe-failure takes drop or fallback, not 'never'",
        fails("-A -u 10.0.0.1:5060 -p --pe sip --pe-failure never"));
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr");
    assertEquals("Service already exists", fails("-A -u 10.0.0.1:5060 -s rr"));
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1 -m");
    assertEquals("Destination already exists", fails("-a -u 10.0.0.1:5060 -r 192.168.10.1 -m"));
    assertEquals("No such destination", fails("-d -u 10.0.0.1:5060 -r 192.168.10.7"));
    assertEquals(
        "lower threshold 5 above upper threshold 2",
        fails("-e -u 10.0.0.1:5060 -r 192.168.10.1 -m -x 2 -y 5"));
  }

  @Test
  void defaults_asIpvsadm() {
    ipvs.ipvsadm("-A -u 10.0.0.1:sip");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1");
    // wlc, -g forcing the service port, weight 1
    assertEquals(
        "-A -u 10.0.0.1:5060 -s wlc\n-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -g -w 1\n",
        ipvs.ipvsadm("-Sn"));
  }

  @Test
  void deleteServer_keepsTheGivenPort_withoutAForwardingMethod() {
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr");
    ipvs.ipvsadm("-a -u 10.0.0.1:5060 -r 192.168.10.1:6000 -m");
    ipvs.ipvsadm("-d -u 10.0.0.1:5060 -r 192.168.10.1:6000");
    assertEquals("-A -u 10.0.0.1:5060 -s rr\n", ipvs.ipvsadm("-Sn"));
  }

  @Test
  void edit_replacesEveryOption() {
    ipvs.ipvsadm("-A -u 10.0.0.1:5060 -s rr -p 60 --pe sip -o");
    ipvs.ipvsadm("-E -u 10.0.0.1:5060");
    assertEquals("-A -u 10.0.0.1:5060 -s wlc\n", ipvs.ipvsadm("-Sn"));
  }

  @Test
  void combinedShortOptions_andLongOptions() {
    ipvs.ipvsadm(
        "--add-service --udp-service 10.0.0.1:5060 --scheduler rr --persistent 50 --ops --pe sip");
    ipvs.ipvsadm(
        "--add-server --udp-service 10.0.0.1:5060 --real-server 192.168.10.1:5060 --masquerading --weight 2");
    assertEquals(
        "-A -u 10.0.0.1:5060 -s rr -p 50 --pe sip -o\n-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m -w 2\n",
        ipvs.ipvsadm("-Sn"));
    assertTrue(ipvs.ipvsadm("-Ln").contains("UDP  10.0.0.1:5060 rr persistent 50 pe sip ops\n"));
  }

  @Test
  void setTimeouts_andList() {
    ipvs.ipvsadm("--set 100 0 30");
    assertEquals("Timeout (tcp tcpfin udp): 100 120 30\n", ipvs.ipvsadm("-L --timeout"));
    assertEquals("illegal timeout value: 2678401", fails("--set 0 0 2678401"));
  }

  @Test
  void clearAndDelete() {
    Ipvsadm.execute(ipvs, List.of("-R"), RULES);
    ipvs.ipvsadm("-D -t 10.0.0.2:80");
    assertEquals(6, ipvs.services().size());
    ipvs.ipvsadm("-C");
    assertEquals("", ipvs.ipvsadm("-Sn"));
  }
}
