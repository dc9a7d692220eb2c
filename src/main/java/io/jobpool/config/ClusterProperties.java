package io.jobpool.config;

import jakarta.validation.constraints.Max;
import jakarta.validation.constraints.Min;
import jakarta.validation.constraints.NotBlank;
import jakarta.validation.constraints.NotNull;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.validation.annotation.Validated;

import java.time.Duration;
import java.util.List;

/**
 * {@code jobpool.cluster.*}: cluster mode over embedded Hazelcast (see {@code docs/cluster.md}). Off by
 * default: then no member starts and no port is opened.
 *
 * @param enabled          start a Hazelcast member in this service
 * @param name             the cluster's name: members join only a cluster of the same name
 * @param port             the member's port (no auto-increment: a member is where it is told to be)
 * @param address          the address this member binds to and is reached at (e.g. 127.0.0.1 for members on one
 *                         machine); unset: Hazelcast picks one of the machine's
 * @param members          {@code host:port} of the members to join (TCP/IP join; multicast is never used)
 * @param kubernetesDns    the headless Service's DNS name: Kubernetes DNS discovery instead of {@code members}
 * @param heartbeat        how often members tell each other they are alive
 * @param maxNoHeartbeat   a member silent this long (hung, SIGSTOP) is removed; a killed one is seen at once
 * @param leaveTimeout     on shutdown, how long a member may take to hand its data over and leave
 * @param quorum           the fewest members a part of the cluster needs to go on with its jobs: a member cut
 *                         off with fewer (hung and resumed, or across a network split) refuses to claim or
 *                         commit chunks, so its late results cannot count anywhere; 0 for no check. With
 *                         three members, 2
 * @param chunkTargetDuration how long a shared chunk should take at least: each costs a claim and a
 *                         commit, round trips of about a millisecond, so shared chunks are longer than
 *                         {@code jobpool.chunk.target-duration}
 */
@Validated
@ConfigurationProperties("jobpool.cluster")
public record ClusterProperties(@DefaultValue("false") boolean enabled,
                                @NotBlank @DefaultValue("jobpool") String name,
                                @Min(1) @Max(65535) @DefaultValue("5701") int port,
                                String address,
                                @DefaultValue List<String> members,
                                String kubernetesDns,
                                @NotNull @DefaultValue("1s") Duration heartbeat,
                                @NotNull @DefaultValue("5s") Duration maxNoHeartbeat,
                                @NotNull @DefaultValue("20s") Duration leaveTimeout,
                                @Min(0) @DefaultValue("0") int quorum,
                                @NotNull @DefaultValue("100ms") Duration chunkTargetDuration) {
}
