package io.pe4j.cli;

import io.pe4j.api.ConnParam;
import io.pe4j.api.Datagram;
import io.pe4j.api.IpAddress;
import io.pe4j.api.PeData;
import io.pe4j.api.PeResult;
import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import io.pe4j.api.Protocol;
import io.pe4j.cli.capture.CaptureException;
import io.pe4j.cli.capture.CaptureFile;
import io.pe4j.cli.capture.CaptureReader;
import io.pe4j.cli.capture.FrameDecoder;
import java.io.BufferedInputStream;
import java.io.IOException;
import java.io.InputStream;
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

  private final ConnParam param = new ConnParam();
  private final Datagram datagram = new Datagram();

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
      description = {
        "a capture, classic pcap or pcapng ('-' reads standard input); link types Ethernet",
        "(802.1Q/802.1ad, PPPoE, MPLS), Linux cooked v1/v2, raw IP, BSD loopback, PPP"
      })
  private List<Path> pcaps = new ArrayList<>();

  @Parameters(paramLabel = "FILE", description = "files holding one raw UDP payload each")
  private List<Path> files = new ArrayList<>();

  @Override
  public Integer call() {
    PrintWriter out =
        new PrintWriter(new java.io.BufferedWriter(spec.commandLine().getOut(), 1 << 16), false);
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
      status = Math.max(status, capture(file, engine, out, err));
    }
    out.flush();
    return status;
  }

  /**
   * Lists every UDP datagram of a capture as the balancer would see it, streaming; then a summary
   * line on standard error that accounts for every other frame by reason.
   */
  private int capture(Path file, PersistenceEngine engine, PrintWriter out, PrintWriter err) {
    String name = file.toString();
    boolean stdin = name.equals("-");
    FrameDecoder decoder = new FrameDecoder();
    long frames = 0;
    String failure = null;
    boolean truncated = false;
    try (InputStream in = stdin ? new BufferedInputStream(System.in, 1 << 16) : openCapture(file)) {
      CaptureReader reader = new CaptureReader(in);
      FrameDecoder.Sink sink =
          (number, src, sport, dst, dport, payload, offset, length) -> {
            datagram
                .set(Protocol.UDP, IpAddress.of(src), sport, IpAddress.of(dst), dport)
                .payload(ByteBuffer.wrap(payload), offset, length);
            out.append(name).append('#').append(Long.toString(number)).append('\t');
            out.append(describe(engine, datagram)).append('\n');
          };
      while (reader.next()) {
        frames++;
        decoder.decode(reader, sink);
      }
    } catch (CaptureException e) {
      failure = e.getMessage();
      truncated = e.isTruncation();
    } catch (IOException e) {
      failure = "cannot read: " + e.getClass().getSimpleName() + ": " + e.getMessage();
    }
    decoder.finish();
    out.flush();
    if (failure != null && frames == 0 && !truncated) {
      err.println(name + ": " + failure);
      return Pe4j.USAGE;
    }
    StringBuilder summary = new StringBuilder(name).append(": ").append(frames).append(" frames, ");
    summary.append(decoder.listed()).append(" UDP datagrams listed");
    if (!decoder.notListed().isEmpty()) {
      summary.append("; not listed: ");
      summary.append(
          decoder.notListed().entrySet().stream()
              .map(e -> e.getKey() + " " + e.getValue())
              .collect(Collectors.joining(", ")));
    }
    err.println(summary);
    if (failure != null) {
      err.println(name + ": " + failure);
      return Pe4j.USAGE;
    }
    return 0;
  }

  private static InputStream openCapture(Path file) throws IOException {
    return CaptureFile.open(file);
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
        this.param.set(d.isIpv6(), Protocol.UDP, 0, 0, 0, 0, 0, d.destinationPort(), engine);
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
