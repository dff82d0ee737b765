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
          List.of(b("KEY other\nBYE"), b("KEY other\n200 OK")));
    }
  }

  /** The correct engine. */
  public static final class CorrectCase extends KeyCase {
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
}
