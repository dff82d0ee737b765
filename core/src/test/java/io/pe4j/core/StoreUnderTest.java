package io.pe4j.core;

/**
 * The template store the core's semantic tests run on: the default ({@link
 * Ipvs.TemplateStoreKind#CAFFEINE}), or the one the system property {@code pe4j.templateStore}
 * names — the core's build runs the scenarios, the randomized model run and the table's tests a
 * second time on {@link Ipvs.TemplateStoreKind#TABLE}.
 */
public final class StoreUnderTest {

  private StoreUnderTest() {}

  /** Returns the store kind under test. */
  public static Ipvs.TemplateStoreKind kind() {
    return Ipvs.TemplateStoreKind.valueOf(
        System.getProperty("pe4j.templateStore", Ipvs.TemplateStoreKind.CAFFEINE.name()));
  }

  /** Returns a builder on the store under test. */
  public static Ipvs.Builder builder() {
    return Ipvs.builder().templateStore(kind());
  }
}
