package io.pe4j.engine.examples;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;

/** A tiny builder for hand-written packet layouts. */
final class Bytes {
  private final ByteArrayOutputStream out = new ByteArrayOutputStream();

  static Bytes of() {
    return new Bytes();
  }

  Bytes u8(int v) {
    out.write(v & 0xff);
    return this;
  }

  Bytes u16(int v) {
    return u8(v >>> 8).u8(v);
  }

  Bytes u32(long v) {
    return u16((int) (v >>> 16)).u16((int) v);
  }

  Bytes raw(byte[] b) {
    out.write(b, 0, b.length);
    return this;
  }

  Bytes hex(String hex) {
    for (int i = 0; i < hex.length(); i += 2) {
      u8(Integer.parseInt(hex.substring(i, i + 2), 16));
    }
    return this;
  }

  Bytes text(String s) {
    return raw(s.getBytes(StandardCharsets.US_ASCII));
  }

  Bytes zeros(int n) {
    return raw(new byte[n]);
  }

  int size() {
    return out.size();
  }

  byte[] build() {
    return out.toByteArray();
  }
}
