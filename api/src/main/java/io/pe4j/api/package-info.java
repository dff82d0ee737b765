/**
 * The persistence-engine SPI. A {@link io.pe4j.api.PersistenceEngine} adds an extra key (its <em>pe
 * data</em>, such as a SIP Call-ID) to IPVS connection templates; {@link
 * io.pe4j.api.PersistenceEngines} finds engines by name. Everything here is a small interface or an
 * immutable value, except the two flyweights that the per-datagram path reuses: {@link
 * io.pe4j.api.Datagram} and {@link io.pe4j.api.ConnParam}.
 */
@NullMarked
package io.pe4j.api;

import org.jspecify.annotations.NullMarked;
