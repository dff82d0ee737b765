package io.pe4j.engine.examples;

import io.pe4j.api.PeData;

/** Lower-case hex of binary pe data, for engines whose keys are not text. */
final class Hex {
  private Hex() {}

  static String of(PeData data) {
    StringBuilder sb = new StringBuilder(data.length() * 2);
    for (int i = 0; i < data.length(); i++) {
      int v = data.byteAt(i) & 0xff;
      sb.append(Character.forDigit(v >>> 4, 16)).append(Character.forDigit(v & 15, 16));
    }
    return sb.toString();
  }
}
