/**
 * The {@code sip} persistence engine: keys templates on the SIP Call-ID (RFC 3261 §8.1.1.4), found
 * by the rules of {@code docs/sip-call-id.md} with an in-place byte scan.
 */
@NullMarked
package io.pe4j.engine.sip;

import org.jspecify.annotations.NullMarked;
