package io.pe4j.cli;

import io.pe4j.core.Ipvs;
import io.pe4j.core.IpvsadmException;
import io.pe4j.core.ipvsadm.Ipvsadm;
import io.pe4j.forwarder.health.HealthCheck;
import io.pe4j.forwarder.health.HealthChecker;
import java.io.IOException;
import java.io.InputStream;
import java.io.PrintWriter;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import org.jspecify.annotations.Nullable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Option;
import picocli.CommandLine.Spec;
import picocli.CommandLine.Unmatched;

/** {@code pe4j ipvsadm}: pe4j's ipvsadm parser and listings, offline. */
@Command(
    name = "ipvsadm",
    mixinStandardHelpOptions = true,
    description = {
      "Runs ipvsadm commands against pe4j's parser and listings.",
      "  pe4j ipvsadm -R < rules          check a save file (errors name the line)",
      "  pe4j ipvsadm -R -Sn < rules      and print it back normalised",
      "  pe4j ipvsadm --rules FILE -Ln    load a save file, then list",
      "  pe4j ipvsadm --admin SOCK --explain --from 198.51.100.1:5060 --to 10.0.0.1:5060"
          + " --payload-file invite.sip",
      "                                   what that datagram would meet, changing nothing",
      "  pe4j ipvsadm --admin SOCK -Lcn --persistent-conn --pe-data CALL-ID"
    })
final class IpvsadmCommand implements Callable<Integer> {

  @Spec private CommandSpec spec = CommandSpec.create();

  @Option(
      names = "--rules",
      paramLabel = "FILE",
      description = "a save file (ipvsadm-save format) to load first")
  private @Nullable Path rules;

  @Option(
      names = "--admin",
      paramLabel = "PATH|HOST:PORT",
      description =
          "send the command to a running pe4j forward instead: its Unix socket, or a loopback"
              + " TCP address with --admin-secret")
  private @Nullable String admin;

  @Option(
      names = "--admin-secret",
      paramLabel = "FILE",
      description = "the shared secret of a TCP admin endpoint")
  private @Nullable Path adminSecret;

  @Option(
      names = "--keepalived",
      paramLabel = "FILE",
      description =
          "a keepalived.conf to load first (its virtual_server blocks); with -S, prints the"
              + " translation, check lines included")
  private @Nullable Path keepalived;

  @Unmatched private List<String> args = new ArrayList<>();

  static InputStream stdin = System.in;

  @Override
  public Integer call() {
    PrintWriter out = spec.commandLine().getOut();
    PrintWriter err = spec.commandLine().getErr();
    int payloadFile =
        args.indexOf("--payload-file"); // --explain: the datagram's payload from a file
    if (payloadFile >= 0 && payloadFile + 1 < args.size()) {
      try {
        byte[] payload = java.nio.file.Files.readAllBytes(Path.of(args.get(payloadFile + 1)));
        args.set(payloadFile, "--payload");
        args.set(payloadFile + 1, java.util.HexFormat.of().formatHex(payload));
      } catch (IOException e) {
        err.println("pe4j ipvsadm: --payload-file: cannot read " + args.get(payloadFile + 1));
        return Pe4j.USAGE;
      }
    }
    if (admin != null) {
      try {
        boolean tcp = !admin.contains("/") && admin.contains(":");
        java.net.SocketAddress target =
            tcp ? Endpoints.parse(admin) : java.net.UnixDomainSocketAddress.of(Path.of(admin));
        byte[] secret = null;
        if (tcp) {
          if (adminSecret == null) {
            err.println(
                "pe4j ipvsadm --admin " + admin + ": a TCP endpoint needs --admin-secret FILE");
            return Pe4j.USAGE;
          }
          secret = io.pe4j.forwarder.AdminServer.readSecret(adminSecret);
        }
        String answer = io.pe4j.forwarder.AdminClient.send(target, secret, String.join(" ", args));
        if (answer.startsWith("error: ")) {
          err.print(answer.substring(7));
          return Pe4j.USAGE;
        }
        out.print(answer);
        return 0;
      } catch (IOException | IllegalArgumentException e) {
        err.println("pe4j ipvsadm --admin " + admin + ": " + e.getMessage());
        return Pe4j.USAGE;
      }
    }
    Ipvs ipvs = Ipvs.builder().build();
    List<String> rest = new ArrayList<>(args);
    try {
      List<HealthCheck> checks = new ArrayList<>();
      if (rules != null) {
        Path file = rules;
        RulesFile.Rules r = RulesFile.split(file, RulesFile.read(file));
        checks.addAll(r.checks());
        Ipvsadm.execute(ipvs, List.of("-R"), r.ipvsadm());
      }
      if (keepalived != null) {
        Path file = keepalived;
        Keepalived.Translation t = Keepalived.translate(file);
        for (String w : t.warnings()) {
          err.println("warning: " + w);
        }
        RulesFile.Rules r = RulesFile.split(file, t.rules());
        checks.addAll(r.checks());
        Ipvsadm.execute(ipvs, List.of("-R"), r.ipvsadm());
      }
      if (!rest.isEmpty() && (rest.get(0).equals("-R") || rest.get(0).equals("--restore"))) {
        rest.remove(0);
        // the same files pe4j forward --rules takes: ipvsadm lines and check lines
        RulesFile.Rules r =
            RulesFile.split(
                Path.of("stdin"), new String(stdin.readAllBytes(), StandardCharsets.UTF_8));
        checks.addAll(r.checks());
        Ipvsadm.execute(ipvs, List.of("-R"), r.ipvsadm());
      }
      for (HealthCheck c : checks) {
        HealthChecker.checkTarget(ipvs, c);
      }
      if (!rest.isEmpty()) {
        out.print(Ipvsadm.execute(ipvs, rest, ""));
        if (!rest.isEmpty() && rest.get(0).startsWith("-S")) {
          for (HealthCheck c : checks) {
            out.println(c.toLine());
          }
        }
      }
      return 0;
    } catch (IllegalArgumentException e) {
      err.println(e.getMessage());
      return Pe4j.USAGE;
    } catch (IpvsadmException e) {
      err.println(
          (rules != null && !args.contains("-R")
                  ? rules + ": "
                  : args.contains("-R") ? "stdin: " : "")
              + e.getMessage());
      return Pe4j.USAGE;
    } catch (IOException e) {
      String m = String.valueOf(e.getMessage());
      err.println(rules != null && m.startsWith(rules.toString()) ? m : "cannot read: " + m);
      return Pe4j.USAGE;
    }
  }
}
