/**
 * pe4j directors in a cluster: {@link io.pe4j.cluster.ClusterMember} starts an embedded Infinispan
 * member on an encrypted JGroups channel that only holders of the cluster secret can join; {@link
 * io.pe4j.cluster.InfinispanTemplates} is the shared template table the core's {@code
 * Ipvs.builder().sharedTemplates(...)} takes.
 */
@NullMarked
package io.pe4j.cluster;

import org.jspecify.annotations.NullMarked;
