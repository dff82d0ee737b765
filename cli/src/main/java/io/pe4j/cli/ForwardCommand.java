package io.pe4j.cli;

import io.pe4j.core.Ipvs;
import io.pe4j.core.IpvsadmException;
import io.pe4j.forwarder.AdminServer;
import io.pe4j.forwarder.Forwarder;
import java.io.IOException;
import java.io.PrintWriter;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;

/** {@code pe4j forward}: the forwarder, configured by an ipvsadm save file. */
@Command(
    name = "forward",
    mixinStandardHelpOptions = true,
    description = {
      "Runs the UDP forwarder for the UDP services of a rules file (ipvsadm-save format).",
      "Prints 'ready' once every socket is bound; on SIGINT or SIGTERM prints final statistics and exits 0."
    })
final class ForwardCommand implements Callable<Integer> {

  @Spec private CommandSpec spec = CommandSpec.create();

  @Option(
      names = "--rules",
      required = true,
      paramLabel = "FILE",
      description = "the rules, as ipvsadm -S writes them")
  private Path rules = Path.of("");

  @Option(
      names = "--admin",
      paramLabel = "127.0.0.1:PORT",
      description = "listen for ipvsadm command lines on this loopback address")
  private @Nullable String admin;

  @Option(
      names = "--threads",
      paramLabel = "N",
      description = "worker threads (default: the number of cores)")
  private int threads = Math.max(1, Runtime.getRuntime().availableProcessors());

  @Override
  public Integer call() throws Exception {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    Ipvs ipvs = Ipvs.builder().build();
    try {
      ipvs.ipvsadm(List.of("-R"), Files.readString(rules, StandardCharsets.UTF_8));
    } catch (IOException e) {
      err.println(rules + ": cannot read: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return Pe4j.USAGE;
    } catch (IpvsadmException e) {
      err.println(rules + ": " + e.getMessage());
      return Pe4j.USAGE;
    }
    CountDownLatch stop = new CountDownLatch(1);
    Signals.onTermination(stop::countDown);
    Forwarder forwarder;
    try {
      forwarder = Forwarder.builder(ipvs).threads(threads).build().start();
    } catch (IllegalStateException | IllegalArgumentException e) {
      err.println("pe4j forward: " + e.getMessage());
      return Pe4j.USAGE;
    }
    AdminServer adminServer = null;
    try {
      if (admin != null) {
        adminServer = AdminServer.start(endpoint(admin), ipvs, forwarder);
      }
      out.println("ready");
      out.flush();
      stop.await();
    } catch (IllegalArgumentException | IOException e) {
      err.println("pe4j forward: --admin " + admin + ": " + e.getMessage());
      forwarder.close();
      return Pe4j.USAGE;
    } finally {
      if (adminServer != null) {
        adminServer.close();
      }
    }
    forwarder.close();
    out.println("final statistics");
    out.print(forwarder.stats().render());
    out.print(ipvs.ipvsadm("-Ln --stats"));
    out.flush();
    return 0;
  }

  static InetSocketAddress endpoint(String hostPort) {
    int colon = hostPort.lastIndexOf(':');
    if (colon <= 0) {
      throw new IllegalArgumentException("expected HOST:PORT, got '" + hostPort + "'");
    }
    String host = hostPort.substring(0, colon).replace("[", "").replace("]", "");
    return new InetSocketAddress(
        io.pe4j.api.IpAddress.parse(host).toInetAddress(),
        Integer.parseInt(hostPort.substring(colon + 1)));
  }
}
