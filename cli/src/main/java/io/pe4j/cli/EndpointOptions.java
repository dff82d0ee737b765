package io.pe4j.cli;

import io.pe4j.core.Ipvs;
import io.pe4j.forwarder.AdminServer;
import io.pe4j.forwarder.Forwarder;
import io.pe4j.forwarder.health.HealthChecker;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.Supplier;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Option;

/**
 * {@code pe4j forward}'s endpoints for people and tools: the admin socket (ipvsadm lines) and the
 * HTTP endpoint (metrics and the status page); their options, and starting them as parts.
 */
final class EndpointOptions {

  @Option(
      names = "--admin",
      paramLabel = "PATH",
      description =
          "listen for ipvsadm command lines on a Unix socket at PATH, mode 0600 (owner only)")
  @Nullable Path admin;

  @Option(
      names = "--admin-tcp",
      paramLabel = "127.0.0.1:PORT",
      description = "listen on a loopback TCP port instead; needs --admin-secret")
  @Nullable String adminTcp;

  @Option(
      names = "--admin-secret",
      paramLabel = "FILE",
      description = "the shared secret TCP admin clients send first (a file of mode 0600)")
  @Nullable Path adminSecret;

  @Option(
      names = "--metrics",
      paramLabel = "HOST:PORT",
      description =
          "serve the metrics in the Prometheus text format at http://HOST:PORT/metrics, and the"
              + " status page at http://HOST:PORT/")
  @Nullable String metrics;

  /** The endpoints once started; either may be null. */
  record Started(@Nullable AdminServer admin, @Nullable MetricsEndpoint metrics) {
    /** What the start-up line says of them. */
    String describe() {
      return (admin == null ? "" : "; admin endpoint " + admin.address())
          + (metrics == null
              ? ""
              : "; metrics " + metrics.url() + "; status page " + metrics.pageUrl());
    }
  }

  /** A usage error in these options, or null. */
  @Nullable String problem() {
    return adminTcp != null && adminSecret == null
        ? "--admin-tcp needs --admin-secret FILE (a shared secret)"
        : null;
  }

  boolean hasAdmin() {
    return admin != null || adminTcp != null;
  }

  /** Starts the endpoints asked for, together, as parts of the node. */
  Started start(
      Parts parts,
      Ipvs ipvs,
      Forwarder forwarder,
      HealthChecker checker,
      Runnable drain,
      Supplier<String> reload,
      Supplier<List<String>> members)
      throws Parts.PartFailed {
    Parts.Part<AdminServer> adminPart =
        new Parts.Part<>(
            "admin endpoint",
            () -> {
              AdminServer a =
                  admin != null
                      ? AdminServer.unix(admin, ipvs, forwarder)
                      : AdminServer.tcp(
                          Endpoints.parse(Objects.requireNonNull(adminTcp)),
                          AdminServer.readSecret(Objects.requireNonNull(adminSecret)),
                          ipvs,
                          forwarder);
              a.healthChecker(checker);
              a.onDrain(drain);
              a.onReload(reload);
              return a;
            },
            AdminServer::close);
    Parts.Part<MetricsEndpoint> metricsPart =
        new Parts.Part<>(
            "--metrics " + metrics,
            () ->
                MetricsEndpoint.start(
                    Endpoints.parse(Objects.requireNonNull(metrics)),
                    ipvs,
                    forwarder,
                    checker,
                    members),
            MetricsEndpoint::close);
    List<Parts.Part<?>> endpoints = new ArrayList<>();
    if (hasAdmin()) {
      endpoints.add(adminPart);
    }
    if (metrics != null) {
      endpoints.add(metricsPart);
    }
    if (!endpoints.isEmpty()) {
      parts.start(endpoints.toArray(Parts.Part<?>[]::new));
    }
    return new Started(
        hasAdmin() ? adminPart.get() : null, metrics != null ? metricsPart.get() : null);
  }
}
