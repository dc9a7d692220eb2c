/**
 * Cluster mode over embedded Hazelcast (only when {@code jobpool.cluster.enabled}): the members and,
 * as they come, the Hazelcast adapters of the ports the core declares. Nothing outside this package
 * (and the wiring in {@code config}) imports Hazelcast.
 */
package io.jobpool.cluster;
