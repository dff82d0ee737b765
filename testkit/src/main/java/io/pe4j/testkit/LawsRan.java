package io.pe4j.testkit;

import java.util.Optional;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.TestWatcher;

/**
 * Fails a contract class in which no law passed and none failed: every law aborted or was filtered
 * out, so the class would otherwise report success having checked nothing.
 */
final class LawsRan implements TestWatcher, AfterAllCallback {

  private static final ExtensionContext.Namespace NAMESPACE =
      ExtensionContext.Namespace.create(LawsRan.class);

  LawsRan() {}

  @Override
  public void testSuccessful(ExtensionContext context) {
    count(context, "passed").incrementAndGet();
  }

  @Override
  public void testFailed(ExtensionContext context, Throwable cause) {
    count(context, "failed").incrementAndGet();
  }

  @Override
  public void testAborted(ExtensionContext context, Throwable cause) {
    count(context, "aborted").incrementAndGet();
  }

  @Override
  public void testDisabled(ExtensionContext context, Optional<String> reason) {
    count(context, "disabled").incrementAndGet();
  }

  @Override
  public void afterAll(ExtensionContext context) {
    ExtensionContext.Store store = context.getStore(NAMESPACE);
    if (value(store, "passed") > 0 || value(store, "failed") > 0) {
      return;
    }
    throw new AssertionError(
        context.getRequiredTestClass().getSimpleName()
            + " extends PersistenceEngineContract but no law ran to its end ("
            + value(store, "aborted")
            + " aborted, "
            + value(store, "disabled")
            + " disabled): the engine was not checked. Run the class without a method filter"
            + " (-Dtest=MyEngineTest, not -Dtest=MyEngineTest#x), and see each law's abort reason"
            + " in the report.");
  }

  /** The counter in the class's store (a law's context's parent), created on first use. */
  private static AtomicInteger count(ExtensionContext law, String key) {
    ExtensionContext scope = law.getParent().orElse(law);
    return scope
        .getStore(NAMESPACE)
        .getOrComputeIfAbsent(key, k -> new AtomicInteger(), AtomicInteger.class);
  }

  private static int value(ExtensionContext.Store store, String key) {
    AtomicInteger n = store.get(key, AtomicInteger.class);
    return n == null ? 0 : n.get();
  }
}
