/**
 * Health checks of real servers, keepalived's way: UDP, SIP OPTIONS and MISC checks with {@code
 * rise}/{@code fall} counts; a server that fails is quiesced (weight 0) or removed, and restored
 * when it recovers.
 */
@NullMarked
package io.pe4j.forwarder.health;

import org.jspecify.annotations.NullMarked;
