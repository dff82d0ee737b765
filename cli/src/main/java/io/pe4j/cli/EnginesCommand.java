package io.pe4j.cli;

import io.pe4j.api.PersistenceEngine;
import io.pe4j.api.PersistenceEngines;
import java.util.concurrent.Callable;
import picocli.CommandLine.Command;
import picocli.CommandLine.Model.CommandSpec;
import picocli.CommandLine.Spec;

/** {@code pe4j engines}: one line per discovered engine. */
@Command(
    name = "engines",
    mixinStandardHelpOptions = true,
    description =
        "Lists the persistence engines found on the class path: NAME<TAB>CLASS<TAB>description.")
final class EnginesCommand implements Callable<Integer> {

  @Spec private CommandSpec spec = CommandSpec.create();

  @Override
  public Integer call() {
    for (PersistenceEngine e : PersistenceEngines.installed().engines()) {
      spec.commandLine()
          .getOut()
          .println(e.name() + "\t" + e.getClass().getName() + "\t" + e.description());
    }
    return 0;
  }
}
