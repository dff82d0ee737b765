package io.pe4j.cli;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** {@code pe4j ipvsadm --explain} with a payload from a file. */
class ExplainCommandTest {

  @TempDir Path dir;

  @Test
  void explainsADatagramFromAFile() throws Exception {
    Path rules = dir.resolve("rules");
    Files.writeString(
        rules,
        "-A -u 10.0.0.1:5060 -s rr -p 60 -M 0.0.0.0 -o --pe sip\n"
            + "-a -u 10.0.0.1:5060 -r 192.168.10.1:5060 -m\n");
    Path invite = dir.resolve("invite.sip");
    Files.writeString(
        invite,
        "INVITE sip:bob@example.com SIP/2.0\r\nCall-ID: file-call@example.com\r\n"
            + "CSeq: 1 INVITE\r\nContent-Length: 0\r\n\r\n",
        StandardCharsets.ISO_8859_1);
    CliTest.Run r =
        CliTest.run(
            "ipvsadm",
            "--rules",
            rules.toString(),
            "--explain",
            "--from",
            "198.51.100.1:5060",
            "--to",
            "10.0.0.1:5060",
            "--payload-file",
            invite.toString());
    assertEquals(0, r.code(), r.err());
    assertTrue(r.out().contains("engine:       sip found file-call@example.com\n"), r.out());
    assertTrue(r.out().contains("template:     none\n"), r.out());
    CliTest.Run bad =
        CliTest.run("ipvsadm", "--rules", rules.toString(), "--explain", "--from", "1.2.3.4:5");
    assertEquals(Pe4j.USAGE, bad.code());
    assertTrue(bad.err().contains("--explain needs --from"), bad.err());
  }
}
