package io.pe4j.bench;

import gov.nist.javax.sip.parser.StringMsgParser;
import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeResult;
import io.pe4j.api.Protocol;
import io.pe4j.engine.sip.SipEngine;
import io.pkts.buffer.Buffers;
import io.pkts.packet.sip.SipMessage;
import java.nio.ByteBuffer;
import java.util.concurrent.TimeUnit;
import org.openjdk.jmh.annotations.Benchmark;
import org.openjdk.jmh.annotations.BenchmarkMode;
import org.openjdk.jmh.annotations.Fork;
import org.openjdk.jmh.annotations.Measurement;
import org.openjdk.jmh.annotations.Mode;
import org.openjdk.jmh.annotations.OutputTimeUnit;
import org.openjdk.jmh.annotations.Param;
import org.openjdk.jmh.annotations.Scope;
import org.openjdk.jmh.annotations.Setup;
import org.openjdk.jmh.annotations.State;
import org.openjdk.jmh.annotations.Warmup;

/**
 * Call-ID extraction, side by side on identical messages: the {@code sip} engine, pkts-sip (frame,
 * read the Call-ID), JAIN-SIP ({@code StringMsgParser}, read the Call-ID), and a lower bound: a
 * plain byte loop to the end of the header section, which every correct extractor must reach (a
 * second Call-ID must be detected).
 */
@State(Scope.Thread)
@BenchmarkMode(Mode.AverageTime)
@OutputTimeUnit(TimeUnit.NANOSECONDS)
@Warmup(iterations = 3, time = 1)
@Measurement(iterations = 5, time = 1)
@Fork(
    value = 1,
    jvmArgsAppend = {"-Xms1g", "-Xmx1g"})
public class CallIdExtraction {

  @Param({"invite-sdp", "ok-200", "ack", "bye", "compact", "callid-last"})
  public String message = "invite-sdp";

  private byte[] bytes = new byte[0];
  private final SipEngine engine = new SipEngine();
  private final ConnParam param = new ConnParam();
  private final Datagram datagram = new Datagram();
  private final StringMsgParser jain = new StringMsgParser();

  @Setup
  public void setUp() throws Exception {
    bytes = Messages.get(message);
    IpAddress a = IpAddress.parse("198.51.100.10");
    datagram.set(Protocol.UDP, a, 5060, a, 5060).payload(ByteBuffer.wrap(bytes), 0, bytes.length);
    // every extractor must find the same Call-ID
    check(pe4j() == Messages.CALL_ID.length(), "pe4j");
    check(Messages.CALL_ID.equals(pktsSip().toString()), "pkts-sip");
    check(Messages.CALL_ID.equals(jainSip()), "JAIN-SIP");
    check(lowerBound() > 0, "lower bound");
  }

  private static void check(boolean ok, String who) {
    if (!ok) {
      throw new IllegalStateException(who + " did not find the Call-ID");
    }
  }

  @Benchmark
  public int pe4j() {
    PeResult r = engine.fillParam(param, datagram);
    return r.isMatch() ? param.peDataLength() : -1;
  }

  @Benchmark
  public Object pktsSip() throws Exception {
    return SipMessage.frame(Buffers.wrap(bytes)).getCallIDHeader().getCallId();
  }

  @Benchmark
  public String jainSip() throws Exception {
    return jain.parseSIPMessage(bytes, true, false, null).getCallId().getCallId();
  }

  /**
   * The end of the header section (the first empty line, CRLF or bare LF), by a plain byte loop.
   */
  @Benchmark
  public int lowerBound() {
    byte[] b = bytes;
    for (int i = 1; i < b.length; i++) {
      if (b[i] == '\n' && (b[i - 1] == '\n' || (b[i - 1] == '\r' && i >= 2 && b[i - 2] == '\n'))) {
        return i;
      }
    }
    return b.length;
  }
}
