package io.pe4j.cli;

import java.nio.file.Path;
import java.util.Objects;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/** Where a command's rules come from: an ipvsadm-save file or a keepalived.conf, one of them. */
final class RulesOptions {

  @Option(
      names = "--rules",
      paramLabel = "FILE",
      description =
          "the rules, as ipvsadm -S writes them, with pe4j's check lines (this or --keepalived)")
  @Nullable Path rules;

  @Option(
      names = "--keepalived",
      paramLabel = "FILE",
      description =
          "the rules from a keepalived.conf: its virtual_server blocks, real servers and checks")
  @Nullable Path keepalived;

  /** What is wrong with the options (neither or both given), or null. */
  @Nullable String problem() {
    return (rules == null) == (keepalived == null)
        ? "give the rules: --rules FILE or --keepalived FILE (one of them)"
        : null;
  }

  /** The file the rules are read from; call after {@link #problem()} found none. */
  Path source() {
    Path k = keepalived;
    return k != null ? k : Objects.requireNonNull(rules, "rules");
  }

  /** Whether {@link #source()} is a keepalived.conf. */
  boolean isKeepalived() {
    return keepalived != null;
  }
}
