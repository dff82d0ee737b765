package io.pe4j.cli;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeData;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.Protocol;
import java.io.IOException;
import java.io.PrintWriter;
import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.stream.Collectors;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Parameters;
import picocli.CommandLine.Spec;

/** {@code pe4j extract}: what an engine extracts from captured datagrams. */
@Command(
    name = "extract",
    mixinStandardHelpOptions = true,
    description = {
      "Runs an engine's extraction over raw UDP payload files, or over the UDP datagrams of a pcap file.",
      "One line per payload: FILE<TAB>VALUE, or FILE<TAB>NONE<TAB>REASON (pcap: FILE#FRAME)."
    })
final class ExtractCommand implements Callable<Integer> {

  @Spec private CommandSpec spec = CommandSpec.create();

  @Option(
      names = "--engine",
      required = true,
      paramLabel = "NAME",
      description = "the engine, as --pe NAME selects it")
  private String engineName = "";

  @Option(
      names = "--hex",
      description = "print the value as hex instead of the engine's printable form")
  private boolean hex;

  @Option(
      names = "--pcap",
      paramLabel = "FILE",
      description = "a classic libpcap capture (Ethernet, Linux cooked, raw IP)")
  private List<Path> pcaps = new ArrayList<>();

  @Parameters(paramLabel = "FILE", description = "files holding one raw UDP payload each")
  private List<Path> files = new ArrayList<>();

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    PersistenceEngines engines = PersistenceEngines.installed();
    PersistenceEngine engine = engines.get(engineName);
    if (engine == null) {
      err.println(
          "pe4j extract: unknown engine '"
              + engineName
              + "'; known engines: "
              + engines.engines().stream()
                  .map(PersistenceEngine::name)
                  .collect(Collectors.joining(", ")));
      return Pe4j.USAGE;
    }
    if (files.isEmpty() && pcaps.isEmpty()) {
      err.println("pe4j extract: no FILE and no --pcap given");
      return Pe4j.USAGE;
    }
    int status = 0;
    IpAddress any = IpAddress.ofIpv4(0);
    for (Path file : files) {
      byte[] bytes = read(file, err);
      if (bytes == null) {
        status = Pe4j.USAGE;
        continue;
      }
      Datagram d =
          new Datagram()
              .set(Protocol.UDP, any, 0, any, 0)
              .payload(ByteBuffer.wrap(bytes), 0, bytes.length);
      out.println(file + "\t" + describe(engine, d));
    }
    for (Path file : pcaps) {
      byte[] bytes = read(file, err);
      if (bytes == null) {
        status = Pe4j.USAGE;
        continue;
      }
      Pcap.Capture capture;
      try {
        capture = Pcap.read(bytes);
      } catch (IllegalArgumentException e) {
        err.println(file + ": " + e.getMessage());
        status = Pe4j.USAGE;
        continue;
      }
      for (Pcap.Frame f : capture.frames()) {
        out.println(file + "#" + f.number() + "\t" + describe(engine, f.datagram()));
      }
      err.println(
          file
              + ": "
              + capture.frames().size()
              + " UDP datagrams, "
              + capture.skipped()
              + " other frames skipped");
    }
    return status;
  }

  private static byte @Nullable [] read(Path file, PrintWriter err) {
    try {
      return Files.readAllBytes(file);
    } catch (IOException e) {
      err.println(file + ": cannot read: " + e.getClass().getSimpleName() + ": " + e.getMessage());
      return null;
    }
  }

  private String describe(PersistenceEngine engine, Datagram d) {
    ConnParam param =
        new ConnParam().set(d.isIpv6(), Protocol.UDP, 0, 0, 0, 0, 0, d.destinationPort(), engine);
    PeResult r;
    try {
      r = engine.fillParam(param, d);
    } catch (RuntimeException e) {
      return "NONE\tengine error: " + e.getClass().getSimpleName();
    }
    if (!r.isMatch() || !param.hasPeData()) {
      return "NONE\t" + r.reason();
    }
    PeData data = param.peDataCopy();
    if (hex) {
      StringBuilder sb = new StringBuilder();
      for (int i = 0; i < data.length(); i++) {
        sb.append(String.format("%02x", data.byteAt(i) & 0xff));
      }
      return sb.toString();
    }
    return engine.showPeData(io.pe4j.api.TemplateView.detached(engine, data));
  }
}
