package io.pe4j.api;

import java.util.Objects;
import org.jspecify.annotations.Nullable;

/**
 * The outcome of {@link PersistenceEngine#fillParam}: a match, or no match with a reason.
 *
 * <p>"No match" is a normal outcome, never an exception: the core counts it by {@link #reason()}
 * and applies the service's failure policy. Engines create their no-match results once, as
 * constants, so that the per-datagram path allocates nothing:
 *
 * <pre>{@code
 * static final PeResult NO_CALL_ID = PeResult.noMatch("no Call-ID");
 * }</pre>
 */
public final class PeResult {

  /** The single successful result; the engine has set the pe data on the parameter. */
  public static final PeResult MATCH = new PeResult(null);

  private final @Nullable String reason;

  private PeResult(@Nullable String reason) {
    this.reason = reason;
  }

  /**
   * Returns a no-match result with the given reason.
   *
   * @param reason a short lower-case phrase such as {@code "no Call-ID"}, at most 64 printable
   *     ASCII characters; it appears in counters and listings
   * @throws IllegalArgumentException if the reason is empty, too long or not printable ASCII
   */
  public static PeResult noMatch(String reason) {
    Objects.requireNonNull(reason, "reason");
    if (reason.isEmpty() || reason.length() > 64) {
      throw new IllegalArgumentException(
          "no-match reason must be 1..64 characters: '" + reason + "'");
    }
    for (int i = 0; i < reason.length(); i++) {
      char c = reason.charAt(i);
      if (c < 0x20 || c > 0x7e) {
        throw new IllegalArgumentException(
            "no-match reason must be printable ASCII: '" + reason + "'");
      }
    }
    return new PeResult(reason);
  }

  /** Returns whether the engine found its key. */
  public boolean isMatch() {
    return reason == null;
  }

  /** Returns the no-match reason, or {@code "match"} for {@link #MATCH}. */
  public String reason() {
    return reason == null ? "match" : reason;
  }

  @Override
  public boolean equals(@Nullable Object o) {
    return o instanceof PeResult && Objects.equals(reason, ((PeResult) o).reason);
  }

  @Override
  public int hashCode() {
    return Objects.hashCode(reason);
  }

  @Override
  public String toString() {
    return reason == null ? "MATCH" : "NO_MATCH(" + reason + ")";
  }
}
