package io.pe4j.core;

import com.github.benmanes.caffeine.cache.Ticker;
import java.util.function.Consumer;

/** The default store meets the template store contract. */
class CaffeineTemplateStoreTest extends TemplateStoreContract {
  @Override
  TemplateStore store(Ticker ticker, Consumer<Template> onExpired) {
    return new CaffeineTemplateStore(ticker, onExpired);
  }
}
