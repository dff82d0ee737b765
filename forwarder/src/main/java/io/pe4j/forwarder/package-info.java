/**
 * {@link io.pe4j.forwarder.Forwarder}: binds a core's UDP virtual services, forwards each client
 * datagram to the real server the core chooses, and NATs what servers send back; {@link
 * io.pe4j.forwarder.AdminServer}: ipvsadm command lines over loopback TCP.
 */
@NullMarked
package io.pe4j.forwarder;

import org.jspecify.annotations.NullMarked;
