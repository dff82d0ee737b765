/**
 * Example persistence engines for UDP protocols other than SIP, and the template an engine author
 * copies: {@link io.pe4j.engine.examples.QuicEngine} ({@code quic}), {@link
 * io.pe4j.engine.examples.RadiusEngine} ({@code radius}), {@link
 * io.pe4j.engine.examples.GtpuEngine} ({@code gtpu}).
 */
@NullMarked
package io.pe4j.engine.examples;

import org.jspecify.annotations.NullMarked;
