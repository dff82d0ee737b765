package io.pe4j.engine.sip;

import static io.pe4j.engine.sip.Sip.outcome;
import static io.pe4j.engine.sip.Sip.request;
import static org.junit.jupiter.api.Assertions.assertEquals;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Test;

/**
 * One nested class per rule of {@code docs/sip-call-id.md} §3; each test fails if its rule breaks.
 */
class CallIdRulesTest {

  static final String A = "a84b4c76e66710@pc33.example.org";

  @Nested
  class R1_emptyAndKeepAlive {
    @Test
    void emptyDatagram_isKeepAlive() {
      assertEquals("!empty or keep-alive", outcome(""));
    }

    @Test
    void crlfPingAndPong_areKeepAlives() {
      assertEquals("!empty or keep-alive", outcome("\r\n\r\n"));
      assertEquals("!empty or keep-alive", outcome("\r\n"));
      assertEquals("!empty or keep-alive", outcome("\n"));
    }

    @Test
    void leadingCrlfBeforeStartLine_isSkipped() {
      assertEquals("=" + A, outcome("\r\n\r\n" + request("Call-ID: " + A)));
    }
  }

  @Nested
  class R2_lines {
    @Test
    void bareLf_isALineEnd() {
      assertEquals("=" + A, outcome("INVITE sip:b SIP/2.0\nVia: x\nCall-ID: " + A + "\n\n"));
    }

    @Test
    void mixedCrlfAndLf_inOneMessage() {
      assertEquals("=" + A, outcome("INVITE sip:b SIP/2.0\r\nVia: x\nCall-ID: " + A + "\r\n\n"));
    }

    @Test
    void loneCr_isOrdinaryData() {
      assertEquals("=a\rb", outcome(request("Call-ID: a\rb")));
    }
  }

  @Nested
  class R3_startLineGate {
    @Test
    void statusLine_isSip() {
      assertEquals("=" + A, outcome("SIP/2.0 200 OK\r\nCall-ID: " + A + "\r\n\r\n"));
      assertEquals("=x", outcome("SIP/2.0\t180 Ringing\r\nCall-ID: x\r\n\r\n"));
    }

    @Test
    void versionIsCaseInsensitive() {
      assertEquals("=x", outcome("sip/2.0 200 OK\r\nCall-ID: x\r\n\r\n"));
      assertEquals("=x", outcome("BYE sip:b sip/2.0\r\nCall-ID: x\r\n\r\n"));
    }

    @Test
    void requestLine_toleratesExtraSpacesAndAnyMethod() {
      assertEquals("=x", outcome("  FOO   sip:a b  SIP/2.0 \t\r\nCall-ID: x\r\n\r\n"));
    }

    @Test
    void notSip_isRefused() {
      assertEquals("!not SIP", outcome("GET / HTTP/1.1\r\nCall-ID: x\r\n\r\n"));
      assertEquals("!not SIP", outcome("INVITE sip:b SIP/3.0\r\nCall-ID: x\r\n\r\n"));
      assertEquals("!not SIP", outcome("INVITE sip:b\r\nCall-ID: x\r\n\r\n"));
      assertEquals("!not SIP", outcome("INVITE SIP/2.0\r\nCall-ID: x\r\n\r\n"));
      assertEquals("!not SIP", outcome("Call-ID: x\r\n\r\n"));
      assertEquals("!not SIP", outcome("SIP/2.0\r\nCall-ID: x\r\n\r\n"));
      assertEquals("!not SIP", outcome("SIP/2.0x 200 OK\r\nCall-ID: x\r\n\r\n"));
      assertEquals("!not SIP", outcome("jaK\0"));
      assertEquals("!not SIP", outcome("INVITE sip:b SIP/2.0"));
    }

    @Test
    void binaryProtocols_areNotSip() {
      byte[] stun = {
        0x00, 0x01, 0x00, 0x00, 0x21, 0x12, (byte) 0xa4, 0x42, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12
      };
      byte[] rtp = {
        (byte) 0x80, 0x00, 0x12, 0x34, 0, 0, 0, 1, 0x0a, 0x0b, 0x0c, 0x0d, 0x0a, 0x0d, 0x0a
      };
      byte[] dns = {
        0x12, 0x34, 0x01, 0x00, 0, 1, 0, 0, 0, 0, 0, 0, 7, 'e', 'x', 'a', 'm', 'p', 'l', 'e', 3,
        'c', 'o', 'm', 0, 0, 1, 0, 1
      };
      assertEquals("!not SIP", Sip.outcome(Sip.ENGINE, stun));
      assertEquals("!not SIP", Sip.outcome(Sip.ENGINE, rtp));
      assertEquals("!not SIP", Sip.outcome(Sip.ENGINE, dns));
      assertEquals("!not SIP", Sip.outcome(Sip.ENGINE, new byte[] {0, 0, 0, 0}));
    }
  }

  @Nested
  class R4_headerSectionOnly {
    @Test
    void callIdInBody_isNeverUsed() {
      assertEquals(
          "!no Call-ID", outcome(request("Via: x", "Content-Length: 14") + "Call-ID: fake\r\n"));
      assertEquals("=" + A, outcome(request("Call-ID: " + A) + "Call-ID: fake\r\n"));
    }

    @Test
    void headerSectionWithoutEmptyLine_isStillRead() {
      assertEquals("=" + A, outcome("INVITE sip:b SIP/2.0\r\nCall-ID: " + A + "\r\nVia: x\r\n"));
    }
  }

  @Nested
  class R5_fields {
    @Test
    void lineWithoutColon_isIgnored() {
      assertEquals("=" + A, outcome(request("garbage line", "Call-ID: " + A)));
    }

    @Test
    void callIdTextOnAContinuationLine_isPartOfTheOtherField() {
      assertEquals("!no Call-ID", outcome(request("Subject: hi", " Call-ID: fake")));
    }
  }

  @Nested
  class R6_name {
    @Test
    void longAndCompactNamesInAnyCase() {
      for (String name :
          new String[] {"Call-ID", "call-id", "CALL-ID", "cAlL-iD", "Call-Id", "i", "I"}) {
        assertEquals("=" + A, outcome(request(name + ": " + A)), name);
      }
    }

    @Test
    void whitespaceBeforeColon_isAllowed() {
      assertEquals("=c3", outcome(request("Call-ID \t: c3")));
      assertEquals("=c3", outcome(request("i :c3")));
    }

    @Test
    void similarNames_neverMatch() {
      for (String name :
          new String[] {
            "Call-IDx",
            "X-Call-ID",
            "Call-ID-Orig",
            "in",
            "i-x",
            "In-Reply-To",
            "Call ID",
            "CallID",
            "ii"
          }) {
        assertEquals("!no Call-ID", outcome(request(name + ": x@h")), name);
      }
    }

    @Test
    void similarNameBeforeRealOne_doesNotStopTheSearch() {
      assertEquals("=x@h", outcome(request("Call-IDx: 1", "Call-ID: x@h")));
    }

    @Test
    void lineBreakBetweenNameAndColon_isNotACallId() {
      assertEquals("!no Call-ID", outcome(request("Call-ID", " : x@h")));
    }
  }

  @Nested
  class R7_value {
    @Test
    void whitespaceAroundValue_isTrimmed() {
      assertEquals("=c3", outcome(request("Call-ID:c3")));
      assertEquals("=c3", outcome(request("Call-ID: \t c3 \t ")));
    }

    @Test
    void foldedValue_joinsWithOneSpace() {
      assertEquals("=c3", outcome(request("Call-ID:", "   c3")));
      assertEquals("=a b", outcome(request("Call-ID: a", " \t b")));
      assertEquals("=a  b", outcome(request("Call-ID: a ", "\tb")));
      assertEquals("=a", outcome(request("Call-ID: a", "  ")));
    }

    @Test
    void trailingCr_isStrippedWithTrailingWhitespace() {
      assertEquals("=x@h", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: x@h\r\r\n\r\n"));
      assertEquals("=x@h", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: x@h \r\r\r\n\r\n"));
      assertEquals("=x@h", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: x@h\r \t\r\n\r\n"));
      assertEquals("=x@h", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: x@h\r\n \r\r\n\r\n"));
    }

    @Test
    void crInsideTheValue_staysData() {
      assertEquals("=a\rb", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: a\rb\r\r\n\r\n"));
      assertEquals("=\ra", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: \ra\r\n\r\n"));
    }

    @Test
    void onlyCrAfterTheColon_isEmpty() {
      assertEquals("!empty Call-ID", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: \r\r\n\r\n"));
    }

    /**
     * digium.pcap frames 5 and 6: Asterisk's INVITE ends its Call-ID line with CRLF, the Zoiper
     * softphone's 180 Ringing of the same call with CR CR LF. One call must have one key.
     */
    @Test
    void zoiperCrCrLf_andAsteriskCrLf_giveOneKey() throws java.io.IOException {
      String invite = outcome(Sip.ENGINE, resource("digium/frame5.bin"));
      String ringing = outcome(Sip.ENGINE, resource("digium/frame6.bin"));
      assertEquals("=2e48d1153c4ad9145ace323d4fb6eb55@172.16.8.103", invite);
      assertEquals(invite, ringing);
    }

    private byte[] resource(String name) throws java.io.IOException {
      try (java.io.InputStream in = CallIdRulesTest.class.getResourceAsStream(name)) {
        if (in == null) {
          throw new java.io.FileNotFoundException(name);
        }
        return in.readAllBytes();
      }
    }

    @Test
    void bytesAreReturnedRaw() {
      assertEquals("=c3;x=1", outcome(request("Call-ID: c3;x=1")));
      assertEquals("=<x@h>", outcome(request("Call-ID: <x@h>")));
      assertEquals("=a b,c", outcome(request("Call-ID: a b,c")));
      assertEquals("=ABC@H", outcome(request("Call-ID: ABC@H")));
      assertEquals("=a\0b", outcome(request("Call-ID: a\0b")));
      byte[] utf8 = request("Call-ID: \u00e9t\u00e9@h").getBytes(StandardCharsets.UTF_8);
      assertEquals(
          "="
              + new String(
                  "\u00e9t\u00e9@h".getBytes(StandardCharsets.UTF_8), StandardCharsets.ISO_8859_1),
          Sip.outcome(Sip.ENGINE, utf8));
    }
  }

  @Nested
  class R8_completeness {
    @Test
    void datagramEndingInsideCallId_isTruncated() {
      assertEquals("!truncated Call-ID", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: x@h"));
      assertEquals("!truncated Call-ID", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: x@"));
      assertEquals("!truncated Call-ID", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: x@h\r"));
      assertEquals("!truncated Call-ID", outcome("INVITE sip:b SIP/2.0\r\nCall-ID:"));
    }

    @Test
    void unterminatedContinuationLine_isTruncated() {
      assertEquals("!truncated Call-ID", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: x\r\n  y"));
    }

    @Test
    void terminatedCallIdAtDatagramEnd_isComplete() {
      assertEquals("=x@h", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: x@h\r\n"));
      assertEquals("=x@h", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: x@h\n"));
    }

    @Test
    void truncationInALaterHeader_doesNotMatter() {
      assertEquals("=x@h", outcome("INVITE sip:b SIP/2.0\r\nCall-ID: x@h\r\nVia: SIP/2.0/UD"));
    }
  }

  @Nested
  class R9_emptyValue {
    @Test
    void onlyWhitespace_isEmpty() {
      assertEquals("!empty Call-ID", outcome(request("Call-ID:")));
      assertEquals("!empty Call-ID", outcome(request("Call-ID:  \t ")));
      assertEquals("!empty Call-ID", outcome(request("i:", "  ")));
    }
  }

  @Nested
  class R10_duplicates {
    @Test
    void identicalDuplicates_giveTheValue() {
      assertEquals("=" + A, outcome(request("Call-ID: " + A, "Via: x", "i:  " + A)));
    }

    @Test
    void differentDuplicates_giveNoMatch() {
      assertEquals("!duplicate Call-IDs differ", outcome(request("Call-ID: a@h", "Call-ID: b@h")));
      assertEquals("!duplicate Call-IDs differ", outcome(request("Call-ID: abc@h", "i: ABC@h")));
      assertEquals("!duplicate Call-IDs differ", outcome(request("Call-ID: x@", "Call-ID: y@h")));
      assertEquals("!duplicate Call-IDs differ", outcome(request("Call-ID:", "Call-ID: y@h")));
      assertEquals(
          "!duplicate Call-IDs differ", outcome(request("Call-ID: a", " b", "Call-ID: a c")));
    }

    @Test
    void foldedAndUnfoldedSameValue_areIdentical() {
      assertEquals("=a b", outcome(request("Call-ID: a", " b", "Call-ID: a b")));
    }
  }

  @Nested
  class R11_length {
    @Test
    void exactly255_isAccepted_256_isTooLong() {
      assertEquals("=" + "x".repeat(255), outcome(request("Call-ID: " + "x".repeat(255))));
      assertEquals("!Call-ID too long", outcome(request("Call-ID: " + "x".repeat(256))));
    }

    @Test
    void maximumIsConfigurable() {
      SipEngine e = SipEngine.withMaxLength(8);
      assertEquals(
          "=12345678",
          Sip.outcome(e, request("Call-ID: 12345678").getBytes(StandardCharsets.ISO_8859_1)));
      assertEquals(
          "!Call-ID too long",
          Sip.outcome(e, request("Call-ID: 123456789").getBytes(StandardCharsets.ISO_8859_1)));
    }
  }
}
