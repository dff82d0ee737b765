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

  /** Requests served at once: a client that sends half a request holds one of them. */
  private static final int THREADS = 4;

  /** Seconds a request may take to arrive whole before the server drops its connection. */
  private static final String MAX_REQUEST_SECONDS = "10";

  private final HttpServer server;
  private final java.util.concurrent.ExecutorService threads;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  private MetricsEndpoint(HttpServer server, java.util.concurrent.ExecutorService threads) {
    this.server = server;
    this.threads = threads;
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
    // The JDK's server reads a request on the thread that serves it; on its own dispatcher thread
    // (no executor) one client sending half a request stopped every scrape. Read before the
    // server's first use in the process.
    if (System.getProperty("sun.net.httpserver.maxReqTime") == null) {
      System.setProperty("sun.net.httpserver.maxReqTime", MAX_REQUEST_SECONDS);
    }
    HttpServer server = HttpServer.create(address, 8);
    java.util.concurrent.ExecutorService pool =
        java.util.concurrent.Executors.newFixedThreadPool(
            THREADS,
            r -> {
              Thread t = new Thread(r, "pe4j-http");
              t.setDaemon(true);
              return t;
            });
    MetricsEndpoint m = new MetricsEndpoint(server, pool);
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
    server.setExecutor(pool);
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
    threads.shutdownNow();
    gc.close();
  }
}
