package io.jobpool.config;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.config.MapConfig;
import com.hazelcast.config.NetworkConfig;
import com.hazelcast.config.SplitBrainProtectionConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.jobpool.cluster.ClusterMembers;
import io.jobpool.cluster.HazelcastSharedJobs;
import io.jobpool.job.JobReplication;
import io.jobpool.job.JobService;
import io.jobpool.job.SharedJobs;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.health.contributor.Health;
import org.springframework.boot.health.contributor.HealthIndicator;
import org.springframework.boot.health.contributor.Status;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import java.util.List;

/**
 * Cluster mode: an embedded Hazelcast member, only with {@code jobpool.cluster.enabled=true}. Members
 * join by a fixed list ({@code jobpool.cluster.members}, TCP/IP) or Kubernetes DNS; multicast and
 * auto-detection are off, so a member joins only what it is told to. Hazelcast's own shutdown hook is
 * off: the member leaves gracefully (its data handed over) when Spring closes it.
 */
@Configuration(proxyBeanMethods = false)
@ConditionalOnBooleanProperty("jobpool.cluster.enabled")
class ClusterConfiguration {

    @Bean(destroyMethod = "shutdown")
    HazelcastInstance hazelcast(ClusterProperties cluster) {
        return Hazelcast.newHazelcastInstance(hazelcastConfig(cluster));
    }

    private static final String QUORUM = "jobpool-quorum";
    /** Ranked below UP ({@code management.endpoint.health.status.order}): the service stays up and ready. */
    private static final Status BELOW_QUORUM = new Status("DEGRADED", "fewer members than the quorum");

    static Config hazelcastConfig(ClusterProperties cluster) {
        Config config = new Config();
        config.setClusterName(cluster.name());
        config.setInstanceName("jobpool-" + cluster.port());
        config.setProperty("hazelcast.logging.type", "slf4j");
        config.setProperty("hazelcast.phone.home.enabled", "false");
        config.setProperty("hazelcast.shutdownhook.enabled", "false");
        config.setProperty("hazelcast.heartbeat.interval.seconds", Long.toString(Math.max(1, cluster.heartbeat().toSeconds())));
        config.setProperty("hazelcast.max.no.heartbeat.seconds", Long.toString(Math.max(2, cluster.maxNoHeartbeat().toSeconds())));
        // an operation on a partition whose owner was just lost is retried until a backup is promoted:
        // every 100 ms instead of 500, so that claims and commits resume soon after a loss
        config.setProperty("hazelcast.invocation.retry.pause.millis", "100");
        config.setProperty("hazelcast.graceful.shutdown.max.wait", Long.toString(Math.max(1, cluster.leaveTimeout().toSeconds())));
        // every lease table and chunk result has one backup on another member: one member's loss loses nothing
        boolean quorum = cluster.quorum() >= 2;
        if (quorum) {
            config.addSplitBrainProtectionConfig(new SplitBrainProtectionConfig(QUORUM, true, cluster.quorum()));
        }
        for (String map : List.of(HazelcastSharedJobs.JOBS, HazelcastSharedJobs.LEASES, HazelcastSharedJobs.RESULTS,
                HazelcastSharedJobs.KEYS, HazelcastSharedJobs.INPUTS)) {
            config.addMapConfig(new MapConfig(map).setBackupCount(1).setSplitBrainProtectionName(quorum ? QUORUM : null));
        }
        NetworkConfig network = config.getNetworkConfig();
        network.setPort(cluster.port()).setPortAutoIncrement(false);
        if (cluster.address() != null && !cluster.address().isBlank()) {
            network.getInterfaces().setEnabled(true).setInterfaces(java.util.List.of(cluster.address()));
            config.setProperty("hazelcast.socket.bind.any", "false");
        }
        JoinConfig join = network.getJoin();
        join.getMulticastConfig().setEnabled(false);
        join.getAutoDetectionConfig().setEnabled(false);
        if (cluster.kubernetesDns() != null && !cluster.kubernetesDns().isBlank()) {
            join.getKubernetesConfig().setEnabled(true).setProperty("service-dns", cluster.kubernetesDns())
                    .setProperty("service-port", Integer.toString(cluster.port()));
        } else {
            join.getTcpIpConfig().setEnabled(true).setMembers(cluster.members());
        }
        return config;
    }

    @Bean
    SharedJobs sharedJobs(HazelcastInstance hazelcast) {
        return new HazelcastSharedJobs(hazelcast);
    }

    /** This member's copies of the cluster's jobs; it leaves them in {@link GracefulShutdown}. */
    @Bean(destroyMethod = "close")
    JobReplication jobReplication(JobService jobs, SharedJobs shared) {
        return new JobReplication(jobs, shared);
    }

    @Bean
    ClusterMembers clusterMembers(HazelcastInstance hazelcast, MeterRegistry meters) {
        return new ClusterMembers(hazelcast, meters);
    }

    /** {@code /actuator/health} component {@code cluster}: UP while this member runs, with the member count. */
    @Bean
    HealthIndicator clusterHealthIndicator(HazelcastInstance hazelcast, ClusterMembers members, ClusterProperties cluster) {
        return () -> {
            if (!hazelcast.getLifecycleService().isRunning()) {
                return Health.down().withDetail("reason", "the Hazelcast member is not running").build();
            }
            int size = members.members().size();
            Health.Builder health = size < cluster.quorum()
                    ? Health.status(BELOW_QUORUM).withDetail("reason", "fewer members than the quorum of "
                    + cluster.quorum() + ": this member refuses new jobs and claims no chunks")
                    : Health.up();
            return health.withDetail("members", size).withDetail("quorum", cluster.quorum()).build();
        };
    }
}
