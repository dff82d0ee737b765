package io.pe4j.core.ipvsadm;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

/** ipvsadm's counter columns: K, M, G, T above 8 digits unless {@code --exact}. */
class LargeNumberTest {

  @Test
  void largeNumbers_abbreviateUnlessExact() {
    assertEquals(" 99999999", Listings.largeNumber(99_999_999L, false));
    assertEquals("  100000K", Listings.largeNumber(100_000_000L, false));
    assertEquals("    1000M", Listings.largeNumber(1_000_000_000L, false));
    assertEquals("     100G", Listings.largeNumber(100_000_000_000L, false));
    assertEquals("     100T", Listings.largeNumber(100_000_000_000_000L, false));
    assertEquals(" 1000000000", Listings.largeNumber(1_000_000_000L, true));
  }
}
