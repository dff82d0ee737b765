/**
 * The {@code ipvsadm} command line over an {@link io.pe4j.core.Ipvs}: {@link
 * io.pe4j.core.ipvsadm.Ipvsadm#execute} parses a command as ipvsadm 1.31 does and prints its
 * listings byte for byte, {@code -Ln}, {@code -Lcn --persistent-conn}, {@code -S} and {@code -R}
 * included.
 */
@NullMarked
package io.pe4j.core.ipvsadm;

import org.jspecify.annotations.NullMarked;
