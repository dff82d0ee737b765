package io.pe4j.testkit;

import io.pe4j.api.PersistenceEngine;
import io.pe4j.engine.sip.SipEngine;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.stream.Stream;

/**
 * The sip engine passes every law, with real SIP sessions and the torture messages that carry one
 * Call-ID.
 */
class SipEngineContractTest extends PersistenceEngineContract {

  @Override
  protected PersistenceEngine engine() {
    return new SipEngine();
  }

  @Override
  protected List<byte[]> matchingDatagrams() {
    List<byte[]> out = new ArrayList<>();
    out.add(new SipGen(new Gen(3261)).message("a84b4c76e66710@pc33.example.org"));
    Path dir = Path.of(System.getProperty("pe4j.testdata", "../testdata"), "sip-torture");
    try (Stream<Path> files = Files.list(dir)) {
      files
          .filter(
              p ->
                  p.getFileName()
                      .toString()
                      .matches(
                          "rfc4475-(wsinv|intmeth|esc01|lwsdisp|longreq|dblreq|transports)\\.sip"))
          .sorted()
          .forEach(p -> out.add(read(p)));
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
    return out;
  }

  private static byte[] read(Path p) {
    try {
      return Files.readAllBytes(p);
    } catch (IOException e) {
      throw new UncheckedIOException(e);
    }
  }

  @Override
  protected List<List<byte[]>> sessions() {
    Gen gen = new Gen(4475);
    SipGen sip = new SipGen(gen);
    List<List<byte[]>> sessions = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      sessions.add(sip.session());
    }
    String id = sip.callId();
    List<byte[]> variants = new ArrayList<>();
    for (int i = 0; i < 20; i++) {
      variants.add(sip.variant(id));
    }
    sessions.add(variants);
    return sessions;
  }
}
