package io.pe4j.engine.sip;

import static java.nio.charset.StandardCharsets.ISO_8859_1;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Random;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInfo;

/**
 * Seeded property tests of the extraction rules. Every test prints its seed; replay one with {@code
 * -Dpe4j.seed=N}.
 */
class CallIdPropertiesTest {

  private static final int TRIES = Integer.getInteger("pe4j.tries", 1000);
  private static final String WORD =
      "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`'~()<>:\\\"/[]?{}";

  /** Trailing bytes of a field line that rule 7 strips: WSP and CR (CR CR LF line ends). */
  private static final String[] TRAILING = {" \t", "\r", " \r", "\r\r", "\t\r "};

  private long seed;
  private Random random;

  @BeforeEach
  void seed(TestInfo info) {
    seed = Long.getLong("pe4j.seed", System.nanoTime());
    random = new Random(seed);
    System.out.println(
        info.getDisplayName() + " seed=" + seed + " (replay: -Dpe4j.seed=" + seed + ")");
  }

  /** A header of a generated message: a name (long and compact form) and a value. */
  private record Header(String name, String compact, String value) {}

  private String callId() {
    int n = 1 + random.nextInt(random.nextInt(10) == 0 ? 300 : 40);
    StringBuilder sb = new StringBuilder(n);
    for (int i = 0; i < n; i++) {
      sb.append(WORD.charAt(random.nextInt(WORD.length())));
    }
    if (n > 2 && random.nextBoolean()) {
      sb.setCharAt(random.nextInt(n - 2) + 1, '@');
    }
    return sb.toString();
  }

  private List<Header> headers(String callId) {
    List<Header> h = new ArrayList<>();
    h.add(
        new Header(
            "Via", "v", "SIP/2.0/UDP 198.51.100.10:5060;branch=z9hG4bK" + random.nextInt(1 << 20)));
    h.add(new Header("From", "f", "<sip:alice@example.org>;tag=" + random.nextInt(1 << 20)));
    h.add(new Header("To", "t", "<sip:bob@example.com>"));
    h.add(new Header("Call-ID", "i", callId));
    h.add(new Header("CSeq", "CSeq", random.nextInt(1000) + " INVITE"));
    h.add(new Header("Max-Forwards", "Max-Forwards", "70"));
    if (random.nextBoolean()) {
      h.add(new Header("Contact", "m", "<sip:alice@198.51.100.10>"));
    }
    return h;
  }

  private String startLine() {
    return random.nextBoolean() ? "INVITE sip:bob@example.com SIP/2.0" : "SIP/2.0 200 OK";
  }

  /**
   * Renders headers, varying (when {@code vary}) name form and case, colon whitespace and folding.
   */
  private String render(String start, List<Header> headers, boolean vary, String body) {
    StringBuilder sb = new StringBuilder(start).append("\r\n");
    for (Header h : headers) {
      String name = h.name();
      String colon = ": ";
      if (vary) {
        name = random.nextBoolean() ? h.compact() : h.name();
        name = randomCase(name);
        colon =
            " \t".substring(0, random.nextInt(3) == 0 ? 1 + random.nextInt(2) : 0)
                + ":"
                + (random.nextInt(4) == 0
                    ? "\r\n" + " \t".substring(0, 1 + random.nextInt(2))
                    : " \t".substring(0, random.nextInt(3)));
      }
      sb.append(name)
          .append(colon)
          .append(h.value())
          .append(random.nextInt(5) == 0 && vary ? TRAILING[random.nextInt(TRAILING.length)] : "")
          .append("\r\n");
    }
    return sb.append("\r\n").append(body).toString();
  }

  private String randomCase(String s) {
    StringBuilder sb = new StringBuilder(s.length());
    for (char c : s.toCharArray()) {
      sb.append(random.nextBoolean() ? Character.toUpperCase(c) : Character.toLowerCase(c));
    }
    return sb.toString();
  }

  private String expected(String callId) {
    return callId.length() <= 255 ? "=" + callId : "!Call-ID too long";
  }

  private String outcome(String message) {
    return Sip.outcome(message);
  }

  private void check(String expected, String message) {
    String actual;
    try {
      actual = outcome(message);
    } catch (RuntimeException e) {
      throw new AssertionError("seed=" + seed + " threw on: " + escape(message), e);
    }
    if (!expected.equals(actual)) {
      fail(
          "seed="
              + seed
              + " expected "
              + escape(expected)
              + " but was "
              + escape(actual)
              + " for: "
              + escape(message));
    }
  }

  private static String escape(String s) {
    return s.replace("\r", "\\r").replace("\n", "\\n").replace("\t", "\\t");
  }

  @Test
  void arbitraryBytes_neverThrow() {
    for (int t = 0; t < TRIES; t++) {
      byte[] b = new byte[random.nextInt(t % 10 == 0 ? 65_508 : 200)];
      random.nextBytes(b);
      if (random.nextBoolean() && b.length > 30) { // make some look like SIP
        byte[] head = "INVITE sip:x SIP/2.0\r\ni:".getBytes(ISO_8859_1);
        System.arraycopy(head, 0, b, 0, head.length);
      }
      String r = Sip.outcome(Sip.ENGINE, b);
      assertTrue(r.startsWith("=") || r.startsWith("!"), "seed=" + seed);
    }
  }

  @Test
  void mutationsAndTruncations_neverThrow() {
    for (int t = 0; t < TRIES; t++) {
      byte[] b = render(startLine(), headers(callId()), true, "v=0\r\n").getBytes(ISO_8859_1);
      byte[] cut = java.util.Arrays.copyOf(b, random.nextInt(b.length + 1));
      Sip.outcome(Sip.ENGINE, cut);
      byte[] mutated = b.clone();
      mutated[random.nextInt(mutated.length)] = (byte) random.nextInt(256);
      String r = Sip.outcome(Sip.ENGINE, mutated);
      assertTrue(r.length() <= 256, "seed=" + seed);
    }
  }

  @Test
  void meaningPreservingVariations_keepTheResult() {
    for (int t = 0; t < TRIES; t++) {
      String callId = callId();
      List<Header> headers = headers(callId);
      String start = startLine();
      String expected = expected(callId);
      check(expected, render(start, headers, false, ""));
      Collections.shuffle(headers, random);
      check(expected, render(start, headers, true, ""));
    }
  }

  @Test
  void bytesAfterTheEmptyLine_neverChangeTheResult() {
    for (int t = 0; t < TRIES; t++) {
      String callId = callId();
      List<Header> headers = headers(callId);
      String start = startLine();
      byte[] junk = new byte[random.nextInt(300)];
      random.nextBytes(junk);
      String body =
          random.nextBoolean()
              ? "Call-ID: other" + random.nextInt() + "\r\ni: x\r\n"
              : new String(junk, ISO_8859_1);
      assertEquals(
          outcome(render(start, headers, false, "")),
          outcome(render(start, headers, false, body)),
          "seed=" + seed);
    }
  }

  @Test
  void value_neverExceedsTheMaximum() {
    for (int t = 0; t < TRIES; t++) {
      int max = 1 + random.nextInt(255);
      SipEngine engine = SipEngine.withMaxLength(max);
      String callId = callId();
      String r =
          Sip.outcome(engine, render(startLine(), headers(callId), true, "").getBytes(ISO_8859_1));
      String expected = callId.length() <= max ? "=" + callId : "!Call-ID too long";
      assertEquals(expected, r, "seed=" + seed + " max=" + max);
    }
  }
}
