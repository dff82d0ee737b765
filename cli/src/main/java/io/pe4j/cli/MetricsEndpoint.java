package io.pe4j.cli;

import com.sun.net.httpserver.HttpServer;
import io.micrometer.core.instrument.binder.jvm.JvmGcMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmMemoryMetrics;
import io.micrometer.core.instrument.binder.jvm.JvmThreadMetrics;
import io.micrometer.core.instrument.binder.netty4.NettyAllocatorMetrics;
import io.micrometer.core.instrument.binder.system.ProcessorMetrics;
import io.micrometer.prometheusmetrics.PrometheusConfig;
import io.micrometer.prometheusmetrics.PrometheusMeterRegistry;
import io.netty.buffer.PooledByteBufAllocator;
import io.pe4j.core.Ipvs;
import io.pe4j.forwarder.Forwarder;
import io.pe4j.forwarder.health.HealthChecker;
import io.pe4j.metrics.ForwarderMetrics;
import io.pe4j.metrics.Pe4jMetrics;
import java.io.IOException;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;

/**
 * {@code pe4j forward --metrics}: the Prometheus text format at {@code /metrics}, the status page
 * at {@code /} and what it reads at {@code /status.json}.
 */
final class MetricsEndpoint implements AutoCloseable {

  private final HttpServer server;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  private MetricsEndpoint(HttpServer server) {
    this.server = server;
  }

  static MetricsEndpoint start(
      InetSocketAddress address,
      Ipvs ipvs,
      Forwarder forwarder,
      HealthChecker checker,
      java.util.function.Supplier<java.util.List<String>> members)
      throws IOException {
    PrometheusMeterRegistry registry = new PrometheusMeterRegistry(PrometheusConfig.DEFAULT);
    Pe4jMetrics pe4j = new Pe4jMetrics(ipvs);
    pe4j.bindTo(registry);
    ForwarderMetrics relay = new ForwarderMetrics(forwarder, checker);
    relay.bindTo(registry);
    new JvmMemoryMetrics().bindTo(registry);
    new JvmThreadMetrics().bindTo(registry);
    new ProcessorMetrics().bindTo(registry);
    new NettyAllocatorMetrics(PooledByteBufAllocator.DEFAULT).bindTo(registry);
    HttpServer server = HttpServer.create(address, 8);
    MetricsEndpoint m = new MetricsEndpoint(server);
    m.gc.bindTo(registry);
    server.createContext(
        "/metrics",
        exchange -> {
          try (exchange) {
            if (!exchange.getRequestMethod().equals("GET")) {
              exchange.sendResponseHeaders(405, -1);
              return;
            }
            pe4j.refresh();
            relay.refresh();
            byte[] body = registry.scrape().getBytes(StandardCharsets.UTF_8);
            exchange
                .getResponseHeaders()
                .set("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          }
        });
    StatusPage page = new StatusPage(ipvs, forwarder, checker, members);
    byte[] html = StatusPage.html();
    server.createContext(
        "/",
        exchange -> {
          try (exchange) {
            String path = exchange.getRequestURI().getPath();
            byte[] body;
            String type;
            if (!exchange.getRequestMethod().equals("GET")) {
              exchange.sendResponseHeaders(405, -1);
              return;
            } else if (path.equals("/") || path.equals("/index.html")) {
              body = html;
              type = "text/html; charset=utf-8";
            } else if (path.equals("/status.json")) {
              body = StatusPage.utf8(page.json());
              type = "application/json";
            } else {
              exchange.sendResponseHeaders(404, -1);
              return;
            }
            var headers = exchange.getResponseHeaders();
            headers.set("Content-Type", type);
            headers.set("Cache-Control", "no-store");
            // the page's own script and styles, its JSON from here, nothing from anywhere else
            headers.set(
                "Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline';"
                    + " connect-src 'self'; img-src 'self'; base-uri 'none'; form-action 'none'");
            headers.set("X-Content-Type-Options", "nosniff");
            exchange.sendResponseHeaders(200, body.length);
            try (OutputStream out = exchange.getResponseBody()) {
              out.write(body);
            }
          } catch (RuntimeException e) {
            System.getLogger("io.pe4j.cli")
                .log(System.Logger.Level.WARNING, "status page: " + e, e);
          }
        });
    server.setExecutor(null);
    server.start();
    return m;
  }

  /** The status page's address. */
  String pageUrl() {
    InetSocketAddress a = server.getAddress();
    return "http://" + a.getHostString() + ":" + a.getPort() + "/";
  }

  String url() {
    InetSocketAddress a = server.getAddress();
    return "http://" + a.getHostString() + ":" + a.getPort() + "/metrics";
  }

  @Override
  public void close() {
    server.stop(0);
    gc.close();
  }
}
