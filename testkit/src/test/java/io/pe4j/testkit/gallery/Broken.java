package io.pe4j.testkit.gallery;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.PeData;
import io.pe4j.api.PeResult;
import io.pe4j.api.TemplateView;
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
}
