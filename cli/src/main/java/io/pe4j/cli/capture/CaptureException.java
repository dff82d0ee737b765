package io.pe4j.cli.capture;

import org.jspecify.annotations.Nullable;

/** A capture that cannot be read on: not a capture, malformed, or cut short; says where. */
public final class CaptureException extends Exception {
  private static final long serialVersionUID = 1L;

  CaptureException(String message) {
    super(message);
  }

  CaptureException(String message, @Nullable Throwable cause) {
    super(message, cause);
  }

  /** Returns whether the capture was cut short (its complete frames were all read before). */
  public boolean isTruncation() {
    return getCause() instanceof java.io.EOFException;
  }
}
