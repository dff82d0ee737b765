/**
 * Minimal SIP peers over UDP for the demo and the end-to-end tests — a server that records the
 * Call-IDs it sees, a client that runs whole calls — and {@link io.pe4j.forwarder.sip.DemoRun},
 * which puts them on both sides of a forwarder.
 */
@NullMarked
package io.pe4j.forwarder.sip;

import org.jspecify.annotations.NullMarked;
