/**
 * The IPVS-semantics core. {@link io.pe4j.core.Ipvs} is one director: give it each inbound datagram
 * ({@link io.pe4j.core.Ipvs#process}) and each datagram a real server sends ({@link
 * io.pe4j.core.Ipvs#processFromServer}), get a {@link io.pe4j.core.Verdict}. It is configured with
 * ipvsadm command lines ({@link io.pe4j.core.Ipvs#ipvsadm}) or the admin methods, and lists itself
 * as ipvsadm 1.31 does. Section numbers in comments refer to {@code docs/ipvs-semantics.md}.
 */
@NullMarked
package io.pe4j.core;

import org.jspecify.annotations.NullMarked;
