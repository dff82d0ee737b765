/**
 * pe4j directors in a cluster: {@link io.pe4j.cluster.ClusterMember} starts an embedded Hazelcast
 * member, {@link io.pe4j.cluster.HazelcastTemplates} is the shared template table the core's {@code
 * Ipvs.builder().sharedTemplates(...)} takes.
 */
@NullMarked
package io.pe4j.cluster;

import org.jspecify.annotations.NullMarked;
