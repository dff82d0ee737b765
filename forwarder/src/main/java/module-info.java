/** An embeddable NAT-mode UDP forwarder on Netty that routes with a pe4j core. */
module io.pe4j.forwarder {
  requires transitive io.pe4j.core;
  requires io.netty.transport;
  requires io.netty.buffer;
  requires io.netty.common;
  requires io.netty.transport.classes.epoll;
  requires io.netty.transport.unix.common;
  requires io.netty.transport.classes.io_uring;
  requires com.google.common;
  requires static org.jspecify;

  exports io.pe4j.forwarder;
  exports io.pe4j.forwarder.sip;
  exports io.pe4j.forwarder.health;
}
