package io.pe4j.testkit.gallery;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeData;
import io.pe4j.api.PeResult;
import io.pe4j.api.TemplateView;
import java.nio.ByteBuffer;
import java.nio.charset.StandardCharsets;
import java.util.concurrent.atomic.AtomicInteger;

/** Deliberately broken engines, one defect each, for the gallery test. */
public final class Broken {

  private Broken() {}

  /** Throws on datagrams it does not understand. */
  public static final class ThrowsOnGarbage extends KeyEngine {
    @Override
    public String name() {
      return "gallery-throws";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      if (d.payloadLength() > 0 && d.payload().get(d.payloadOffset()) == 0) {
        throw new IllegalArgumentException("garbage");
      }
      return super.fillParam(param, d);
    }
  }

  /** Returns a match without setting pe data for some datagrams. */
  public static final class MatchWithoutPeData extends KeyEngine {
    @Override
    public String name() {
      return "gallery-nodata";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      PeResult r = super.fillParam(param, d);
      if (!r.isMatch() && d.payloadLength() > 3) {
        return PeResult.MATCH;
      }
      return r;
    }
  }

  /** Ignores the key fields in ctMatch. */
  public static final class MatchIgnoresKeyFields extends KeyEngine {
    @Override
    public String name() {
      return "gallery-nokeys";
    }

    @Override
    public boolean ctMatch(ConnParam param, TemplateView template) {
      return param.peDataEquals(template.peData());
    }
  }

  /** Hashes without the seed. */
  public static final class HashIgnoresSeed extends KeyEngine {
    @Override
    public String name() {
      return "gallery-noseed";
    }

    @Override
    public int hashKey(ConnParam param, int seed) {
      return param.peDataHash(0);
    }
  }

  /** Matches case-insensitively but hashes case-sensitively. */
  public static final class HashInconsistentWithMatch extends KeyEngine {
    @Override
    public String name() {
      return "gallery-badhash";
    }

    @Override
    public boolean ctMatch(ConnParam param, TemplateView template) {
      PeData t = template.peData();
      if (t == null || !param.keyFieldsMatch(template) || t.length() != param.peDataLength()) {
        return false;
      }
      for (int i = 0; i < t.length(); i++) {
        if (Character.toLowerCase((char) (t.byteAt(i) & 0xff))
            != Character.toLowerCase((char) (param.peDataByte(i) & 0xff))) {
          return false;
        }
      }
      return true;
    }
  }

  /** Reads the byte after its window and lets it decide. */
  public static final class ReadsOutsideItsSlice extends KeyEngine {
    @Override
    public String name() {
      return "gallery-overread";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      int after = d.payloadOffset() + d.payloadLength();
      if (after < d.payload().capacity() && (d.payload().get(after) & 1) == 1) {
        return NO_KEY;
      }
      return super.fillParam(param, d);
    }
  }

  /** Answers differently on every other call. */
  public static final class NonDeterministic extends KeyEngine {
    private final AtomicInteger calls = new AtomicInteger();

    @Override
    public String name() {
      return "gallery-flaky";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      return calls.incrementAndGet() % 2 == 0 ? NO_KEY : super.fillParam(param, d);
    }
  }

  /** Writes into the caller's buffer. */
  public static final class MutatesTheBuffer extends KeyEngine {
    @Override
    public String name() {
      return "gallery-mutates";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      if (d.payloadLength() > 0 && !d.payload().isReadOnly()) {
        d.payload().put(d.payloadOffset(), (byte) 'X');
      }
      return super.fillParam(param, d);
    }
  }

  /** Prints the pe data raw, CR and LF included. */
  public static final class PrintsCrLf extends KeyEngine {
    @Override
    public String name() {
      return "gallery-crlf";
    }

    @Override
    public String showPeData(TemplateView template) {
      PeData d = template.peData();
      return d == null ? "" : new String(d.toByteArray(), StandardCharsets.ISO_8859_1);
    }
  }

  /** Correct, but missing from META-INF/services. */
  public static final class NotRegistered extends KeyEngine {
    @Override
    public String name() {
      return "gallery-unlisted";
    }
  }

  /** Shares scratch state between threads. */
  public static final class ThreadUnsafe extends KeyEngine {
    private final byte[] scratch = new byte[255];

    @Override
    public String name() {
      return "gallery-unsafe";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      PeResult r = super.fillParam(param, d);
      if (!r.isMatch()) {
        return r;
      }
      int n = param.peDataLength();
      for (int i = 0; i < n; i++) {
        scratch[i] = param.peDataByte(i);
        Thread.yield();
      }
      return param.match(java.nio.ByteBuffer.wrap(scratch.clone()), 0, n);
    }
  }

  /** Keys on a per-message line, so one session's datagrams disagree. */
  public static final class SplitsSessions extends KeyEngine {
    @Override
    public String name() {
      return "gallery-split";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      PeResult r = super.fillParam(param, d);
      if (r.isMatch() && d.payloadLength() > 12) {
        return param.match(d.payload(), d.payloadOffset(), d.payloadLength());
      }
      return r;
    }
  }

  // ---------------------------------------------------------------------------------------------
  // Defects engine authors really write, each caught on every seed since the contract targets
  // edges, buffer shapes, prefix partners and shared state.

  /** Returns MATCH whatever {@code ConnParam.match} said (an empty or an over-long value). */
  public static final class IgnoresMatchResult extends KeyEngine {
    @Override
    public String name() {
      return "gallery-ignores";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      PeResult r = super.fillParam(param, d);
      return r == NO_KEY || r == NOT_UDP ? r : PeResult.MATCH;
    }
  }

  /** Compares only the common length of the two pe data. */
  public static final class PrefixCtMatch extends KeyEngine {
    @Override
    public String name() {
      return "gallery-prefix";
    }

    @Override
    public boolean ctMatch(ConnParam param, TemplateView template) {
      PeData t = template.peData();
      if (t == null || !param.keyFieldsMatch(template)) {
        return false;
      }
      int n = Math.min(t.length(), param.peDataLength());
      for (int i = 0; i < n; i++) {
        if (t.byteAt(i) != param.peDataByte(i)) {
          return false;
        }
      }
      return true;
    }
  }

  /** Takes a fast path through {@code array()} but forgets {@code arrayOffset()}. */
  public static final class ArrayOffsetIgnored extends KeyEngine {
    @Override
    public String name() {
      return "gallery-arrayoff";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      ByteBuffer b = d.payload();
      if (!b.hasArray()) {
        return super.fillParam(param, d);
      }
      byte[] a = b.array();
      int o = d.payloadOffset(); // should be b.arrayOffset() + d.payloadOffset()
      int n = d.payloadLength();
      if (n < 5 || a[o] != 'K' || a[o + 1] != 'E' || a[o + 2] != 'Y' || a[o + 3] != ' ') {
        return NO_KEY;
      }
      int end = o + 4;
      while (end < o + n && a[end] != '\n') {
        end++;
      }
      return param.match(ByteBuffer.wrap(a), o + 4, end - o - 4);
    }
  }

  /** Copies the value into one static scratch buffer and keys the param on it. */
  public static final class StaticScratch extends KeyEngine {
    private static final byte[] SCRATCH = new byte[255];

    @Override
    public String name() {
      return "gallery-static";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      PeResult r = super.fillParam(param, d);
      if (!r.isMatch()) {
        return r;
      }
      int n = param.peDataLength();
      for (int i = 0; i < n; i++) {
        SCRATCH[i] = param.peDataByte(i);
      }
      return param.match(ByteBuffer.wrap(SCRATCH), 0, n);
    }
  }

  /** {@code KEY #<n><n bytes>}: trusts the length byte. */
  public static final class TrustsLengthByte extends KeyEngine {
    @Override
    public String name() {
      return "gallery-length";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      ByteBuffer b = d.payload();
      int o = d.payloadOffset();
      if (d.payloadLength() > 6 && b.get(o + 4) == '#') {
        int n = b.get(o + 5) & 0xff;
        return param.match(b, o + 6, n); // n is never checked against the datagram's length
      }
      return super.fillParam(param, d);
    }
  }

  /** Reads with relative gets after moving the buffer's position. */
  public static final class MovesThePosition extends KeyEngine {
    @Override
    public String name() {
      return "gallery-position";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      d.payload().position(d.payloadOffset());
      return super.fillParam(param, d);
    }
  }

  /** Mixes the client address into the hash. */
  public static final class HashIncludesClient extends KeyEngine {
    @Override
    public String name() {
      return "gallery-hashcli";
    }

    @Override
    public int hashKey(ConnParam param, int seed) {
      return param.peDataHash(seed) ^ (int) param.clientLo();
    }
  }

  /** Compares client network, virtual port and pe data, but not the protocol. */
  public static final class MatchIgnoresProtocol extends KeyEngine {
    @Override
    public String name() {
      return "gallery-noproto";
    }

    @Override
    public boolean ctMatch(ConnParam param, TemplateView template) {
      return param.clientHi() == template.clientHi()
          && param.clientLo() == template.clientLo()
          && param.virtualPort() == template.virtualPort()
          && param.peDataEquals(template.peData());
    }
  }

  /** Escapes CR and LF when printing, but not the other control characters. */
  public static final class PrintsRawControls extends KeyEngine {
    @Override
    public String name() {
      return "gallery-controls";
    }

    @Override
    public String showPeData(TemplateView template) {
      PeData d = template.peData();
      String s = d == null ? "" : new String(d.toByteArray(), StandardCharsets.ISO_8859_1);
      return s.replace("\r", "\\r").replace("\n", "\\n");
    }
  }

  /** Calls {@code array()} on every buffer: direct and read-only ones throw. */
  public static final class AssumesHeapBuffer extends KeyEngine {
    @Override
    public String name() {
      return "gallery-heaponly";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      byte[] a = d.payload().array();
      int o = d.payload().arrayOffset() + d.payloadOffset();
      if (d.payloadLength() > 0 && a[o] == 0x7f) {
        return NO_KEY;
      }
      return super.fillParam(param, d);
    }
  }

  /** Tells heap from direct by {@code isDirect()}, so a read-only heap buffer throws. */
  public static final class AssumesWritableArray extends KeyEngine {
    @Override
    public String name() {
      return "gallery-readonly";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      ByteBuffer b = d.payload();
      if (!b.isDirect() && d.payloadLength() > 0) {
        var unused = b.array()[b.arrayOffset() + d.payloadOffset()];
      }
      return super.fillParam(param, d);
    }
  }

  /** Ends the value one byte early when no LF follows it. */
  public static final class DropsLastByteWithoutNewline extends KeyEngine {
    @Override
    public String name() {
      return "gallery-lastbyte";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      PeResult r = super.fillParam(param, d);
      ByteBuffer b = d.payload();
      int end = d.payloadOffset() + d.payloadLength();
      if (r.isMatch() && b.get(end - 1) != '\n') {
        return param.match(b, end - param.peDataLength(), param.peDataLength() - 1);
      }
      return r;
    }
  }

  /** Throws on a value starting with {@code !!}: only the author's near misses reach it. */
  public static final class ThrowsOnBang extends KeyEngine {
    @Override
    public String name() {
      return "gallery-bang";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      PeResult r = super.fillParam(param, d);
      if (r.isMatch()
          && param.peDataLength() > 1
          && param.peDataByte(0) == '!'
          && param.peDataByte(1) == '!') {
        throw new IllegalStateException("unexpected '!!'");
      }
      return r;
    }
  }

  /**
   * Listed in META-INF/services with a name that is not one (a space): discovery must report and
   * skip it, and every other engine of the jar must still load.
   */
  public static final class BadName extends KeyEngine {
    @Override
    public String name() {
      return "bad name";
    }
  }

  /**
   * Keeps only the first 8 bytes of its key: correct for every single session, but two Call-IDs
   * that share a prefix share a server (law 10).
   */
  public static final class TruncatesKey extends KeyEngine {
    @Override
    public String name() {
      return "gallery-trunc";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      PeResult r = super.fillParam(param, d);
      if (r.isMatch() && param.peDataLength() > 8) {
        return param.match(d.payload(), d.payloadOffset() + 4, 8);
      }
      return r;
    }
  }

  /**
   * Checks each line against every earlier line (a naive duplicate check): correct and
   * deterministic, and quadratic in the number of lines (law 11).
   */
  public static final class RescansEarlierLines extends KeyEngine {
    @Override
    public String name() {
      return "gallery-rescan";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      ByteBuffer b = d.payload();
      int o = d.payloadOffset();
      int n = d.payloadLength();
      int same = 0;
      for (int i = o; i < o + n; i++) {
        if (b.get(i) == '\n' && i + 1 < o + n) {
          for (int j = o; j < i; j++) { // every earlier line start: is this line a repeat?
            if ((j == o || b.get(j - 1) == '\n') && b.get(j) == b.get(i + 1)) {
              same++;
            }
          }
        }
      }
      PeResult r = super.fillParam(param, d);
      return same < 0 ? NO_KEY : r;
    }
  }

  /** Lower-cases its key with the host's default locale (law 12). */
  public static final class LowerCasesWithHostLocale extends KeyEngine {
    @Override
    public String name() {
      return "gallery-lower";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      PeResult r = super.fillParam(param, d);
      if (!r.isMatch()) {
        return r;
      }
      byte[] key = new byte[param.peDataLength()];
      for (int i = 0; i < key.length; i++) {
        key[i] = param.peDataByte(i);
      }
      @SuppressWarnings("StringCaseLocaleUsage") // the defect
      byte[] lower =
          new String(key, StandardCharsets.ISO_8859_1)
              .toLowerCase()
              .getBytes(StandardCharsets.ISO_8859_1);
      return param.match(ByteBuffer.wrap(lower), 0, lower.length);
    }
  }

  /** Copies every payload into a fresh array before parsing it (law 13). */
  public static final class CopiesThePayload extends KeyEngine {
    @Override
    public String name() {
      return "gallery-copy";
    }

    @Override
    public PeResult fillParam(ConnParam param, Datagram d) {
      ByteBuffer b = d.payload();
      byte[] copy = new byte[d.payloadLength()];
      for (int i = 0; i < copy.length; i++) {
        copy[i] = b.get(d.payloadOffset() + i);
      }
      return super.fillParam(
          param,
          new Datagram()
              .set(
                  d.protocol(),
                  d.sourceAddress(),
                  d.sourcePort(),
                  d.destinationAddress(),
                  d.destinationPort())
              .payload(ByteBuffer.wrap(copy), 0, copy.length));
    }
  }

  /** Decodes its key with the host's default charset and encodes it back (law 12). */
  public static final class DecodesWithDefaultCharset extends KeyEngine {
    @Override
    public String name() {
      return "gallery-charset";
    }

    @Override
    @SuppressWarnings("DefaultCharset") // the defect
    public PeResult fillParam(ConnParam param, Datagram d) {
      PeResult r = super.fillParam(param, d);
      if (!r.isMatch()) {
        return r;
      }
      byte[] key = new byte[param.peDataLength()];
      for (int i = 0; i < key.length; i++) {
        key[i] = param.peDataByte(i);
      }
      byte[] again = new String(key).getBytes();
      return again.length == 0 || again.length > 255
          ? NO_KEY
          : param.match(ByteBuffer.wrap(again), 0, again.length);
    }
  }
}
