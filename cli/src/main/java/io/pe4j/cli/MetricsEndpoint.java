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

/** {@code pe4j forward --metrics}: the Prometheus text format at {@code /metrics}. */
final class MetricsEndpoint implements AutoCloseable {

  private final HttpServer server;
  private final JvmGcMetrics gc = new JvmGcMetrics();

  private MetricsEndpoint(HttpServer server) {
    this.server = server;
  }

  static MetricsEndpoint start(
      InetSocketAddress address, Ipvs ipvs, Forwarder forwarder, HealthChecker checker)
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
    server.setExecutor(null);
    server.start();
    return m;
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
