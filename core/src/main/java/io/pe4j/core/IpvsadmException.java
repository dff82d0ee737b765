package io.pe4j.core;

/**
 * An ipvsadm command line that ipvsadm (or the kernel behind it) would refuse; the message is
 * ipvsadm's.
 */
public final class IpvsadmException extends RuntimeException {

  private static final long serialVersionUID = 1L;

  /** Creates the exception with ipvsadm's message. */
  public IpvsadmException(String message) {
    super(java.util.Objects.requireNonNull(message, "message"));
  }

  /** Creates the exception with ipvsadm's message and the underlying cause. */
  public IpvsadmException(String message, Throwable cause) {
    super(
        java.util.Objects.requireNonNull(message, "message"),
        java.util.Objects.requireNonNull(cause, "cause"));
  }
}
