package io.pe4j.engine.sip;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeResult;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

/**
 * Prints the Call-ID the {@code sip} engine extracts from each file (one raw UDP payload each), or
 * from a built-in sample INVITE when no file is given: {@code FILE<TAB>VALUE} or {@code
 * FILE<TAB>NONE<TAB>REASON}. Exit code 0, or 2 when a file cannot be read.
 */
public final class ExtractCallId {

  private static final String SAMPLE =
      "INVITE sip:bob@example.com SIP/2.0\r\n"
          + "Via: SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK776\r\n"
          + "Max-Forwards: 70\r\n"
          + "To: <sip:bob@example.com>\r\n"
          + "From: <sip:alice@example.org>;tag=1928301774\r\n"
          + "Call-ID: a84b4c76e66710@pc33.example.org\r\n"
          + "CSeq: 314159 INVITE\r\n"
          + "Content-Length: 0\r\n\r\n";

  private ExtractCallId() {}

  /** Runs the extraction; see the class comment. */
  public static void main(String[] args) {
    SipEngine engine = new SipEngine();
    int status = 0;
    if (args.length == 0) {
      System.out.println(
          line(engine, "(sample INVITE)", SAMPLE.getBytes(StandardCharsets.US_ASCII)));
    }
    for (String file : args) {
      try {
        System.out.println(line(engine, file, Files.readAllBytes(Path.of(file))));
      } catch (IOException | RuntimeException e) {
        System.err.println(file + ": cannot read: " + e);
        status = 2;
      }
    }
    System.exit(status);
  }

  private static String line(SipEngine engine, String name, byte[] payload) {
    ConnParam param = new ConnParam();
    IpAddress any = IpAddress.ofIpv4(0);
    PeResult r = engine.fillParam(param, Datagram.udp(any, 5060, any, 5060, payload));
    return r.isMatch() ? name + "\t" + param.peDataPrintable() : name + "\tNONE\t" + r.reason();
  }
}
