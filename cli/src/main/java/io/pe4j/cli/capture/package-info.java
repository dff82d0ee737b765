/**
 * Reading captures as operators have them: classic pcap and pcapng, streamed; link layers down to
 * the UDP datagram a balancer would see, IP fragments reassembled, every other frame counted by
 * reason.
 */
@NullMarked
package io.pe4j.cli.capture;

import org.jspecify.annotations.NullMarked;
