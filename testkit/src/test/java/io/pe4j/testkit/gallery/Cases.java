package io.pe4j.testkit.gallery;

import io.pe4j.api.PersistenceEngine;
import io.pe4j.testkit.PersistenceEngineContract;
import java.nio.charset.StandardCharsets;
import java.util.List;

/**
 * The contract run over each gallery engine. Not run by the build directly (the names end in {@code
 * Case}); {@code BrokenEngineGalleryTest} runs them and checks which laws fail.
 */
public final class Cases {

  private Cases() {}

  static byte[] b(String s) {
    return s.getBytes(StandardCharsets.ISO_8859_1);
  }

  /** The contract with KEY traffic supplied. */
  public abstract static class KeyCase extends PersistenceEngineContract {
    @Override
    protected List<byte[]> matchingDatagrams() {
      return List.of(b("KEY abc\n"), b("KEY Call-42\nbody"), b("KEY x"));
    }

    @Override
    protected List<List<byte[]>> sessions() {
      return List.of(
          List.of(b("KEY s1\nINVITE"), b("KEY s1\nACK and more"), b("KEY s1")),
          List.of(b("KEY other\nBYE"), b("KEY other\n200 OK")),
          List.of(b("KEY 1234567890@alpha\nINVITE"), b("KEY 1234567890@alpha\nACK")),
          List.of(b("KEY 1234567890@beta\nINVITE")),
          List.of(b("KEY SIP-ID-4I\nINVITE"), b("KEY SIP-ID-4I\nBYE")),
          List.of(b("KEY caf\u00e9-1\nINVITE"), b("KEY caf\u00e9-1\nACK")),
          List.of(b("KEY #\u0003abc\nlength-prefixed")));
    }

    @Override
    protected List<byte[]> nearMisses() {
      return List.of(b("KEY !!bang\n"));
    }
  }

  /** The correct engine. */
  public static final class CorrectCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new KeyEngine();
    }
  }

  /** The correct engine with no traffic supplied: laws 9 and 10 have nothing to check. */
  public static final class NoTrafficCase extends PersistenceEngineContract {
    @Override
    protected PersistenceEngine engine() {
      return new KeyEngine();
    }
  }

  /** Law 2. */
  public static final class ThrowsOnGarbageCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.ThrowsOnGarbage();
    }
  }

  /** Law 4. */
  public static final class MatchWithoutPeDataCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.MatchWithoutPeData();
    }
  }

  /** Law 5. */
  public static final class MatchIgnoresKeyFieldsCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.MatchIgnoresKeyFields();
    }
  }

  /** Law 6. */
  public static final class HashIgnoresSeedCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.HashIgnoresSeed();
    }
  }

  /** Law 6. */
  public static final class HashInconsistentWithMatchCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.HashInconsistentWithMatch();
    }
  }

  /** Law 3. */
  public static final class ReadsOutsideItsSliceCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.ReadsOutsideItsSlice();
    }
  }

  /** Law 3. */
  public static final class NonDeterministicCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.NonDeterministic();
    }
  }

  /** Law 3. */
  public static final class MutatesTheBufferCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.MutatesTheBuffer();
    }
  }

  /** Law 7. */
  public static final class PrintsCrLfCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.PrintsCrLf();
    }
  }

  /** Law 1. */
  public static final class NotRegisteredCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.NotRegistered();
    }
  }

  /** Law 8. */
  public static final class ThreadUnsafeCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.ThreadUnsafe();
    }
  }

  /** Law 9. */
  public static final class SplitsSessionsCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.SplitsSessions();
    }
  }

  /** The gallery's {@code IgnoresMatchResult}. */
  public static final class IgnoresMatchResultCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.IgnoresMatchResult();
    }
  }

  /** The gallery's {@code PrefixCtMatch}. */
  public static final class PrefixCtMatchCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.PrefixCtMatch();
    }
  }

  /** The gallery's {@code ArrayOffsetIgnored}. */
  public static final class ArrayOffsetIgnoredCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.ArrayOffsetIgnored();
    }
  }

  /** The gallery's {@code StaticScratch}. */
  public static final class StaticScratchCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.StaticScratch();
    }
  }

  /** The gallery's {@code TrustsLengthByte}. */
  public static final class TrustsLengthByteCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.TrustsLengthByte();
    }
  }

  /** The gallery's {@code MovesThePosition}. */
  public static final class MovesThePositionCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.MovesThePosition();
    }
  }

  /** The gallery's {@code HashIncludesClient}. */
  public static final class HashIncludesClientCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.HashIncludesClient();
    }
  }

  /** The gallery's {@code MatchIgnoresProtocol}. */
  public static final class MatchIgnoresProtocolCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.MatchIgnoresProtocol();
    }
  }

  /** The gallery's {@code PrintsRawControls}. */
  public static final class PrintsRawControlsCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.PrintsRawControls();
    }
  }

  /** The gallery's {@code AssumesHeapBuffer}. */
  public static final class AssumesHeapBufferCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.AssumesHeapBuffer();
    }
  }

  /** The gallery's {@code AssumesWritableArray}. */
  public static final class AssumesWritableArrayCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.AssumesWritableArray();
    }
  }

  /** The gallery's {@code DropsLastByteWithoutNewline}. */
  public static final class DropsLastByteWithoutNewlineCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.DropsLastByteWithoutNewline();
    }
  }

  /** The gallery's {@code ThrowsOnBang}. */
  public static final class ThrowsOnBangCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.ThrowsOnBang();
    }
  }

  /** Law 1: a provider with an invalid name. */
  public static final class BadNameCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.BadName();
    }
  }

  /** Law 10. */
  public static final class TruncatesKeyCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.TruncatesKey();
    }
  }

  /** Law 11. */
  public static final class RescansEarlierLinesCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.RescansEarlierLines();
    }
  }

  /** Law 12. */
  public static final class LowerCasesWithHostLocaleCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.LowerCasesWithHostLocale();
    }

    @Override
    protected int allocationBudget() {
      return 1024; // its strings, declared: only the locale is its defect
    }
  }

  /** Law 13. */
  public static final class CopiesThePayloadCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.CopiesThePayload();
    }
  }

  /** Law 12, its charset half. */
  public static final class DecodesWithDefaultCharsetCase extends KeyCase {
    @Override
    protected PersistenceEngine engine() {
      return new Broken.DecodesWithDefaultCharset();
    }

    @Override
    protected int allocationBudget() {
      return 1024; // its strings, declared: only the charset is its defect
    }
  }
}
