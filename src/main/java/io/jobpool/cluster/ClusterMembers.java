package io.jobpool.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import com.hazelcast.partition.MigrationListener;
import com.hazelcast.partition.MigrationState;
import com.hazelcast.partition.ReplicaMigrationEvent;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * This service's view of the cluster: the members, this one among them, and every join and loss,
 * logged and counted ({@code jobpool.cluster.members}, {@code jobpool.cluster.membership{change}}), and
 * the partition migrations that follow each ({@code jobpool.cluster.partitions.migrating}: planned and not
 * done yet; Hazelcast reports them on the member that plans them, the oldest, and 0 on the others).
 */
public final class ClusterMembers {

    private static final Logger log = LoggerFactory.getLogger(ClusterMembers.class);

    private final HazelcastInstance hazelcast;
    private volatile int migrating;

    public ClusterMembers(HazelcastInstance hazelcast, MeterRegistry registry) {
        this.hazelcast = hazelcast;
        Counter joined = Counter.builder("jobpool.cluster.membership").tag("change", "added")
                .description("Members that joined the cluster or left it, as this member saw them").register(registry);
        Counter left = Counter.builder("jobpool.cluster.membership").tag("change", "removed")
                .description("Members that joined the cluster or left it, as this member saw them").register(registry);
        Gauge.builder("jobpool.cluster.members", () -> hazelcast.getLifecycleService().isRunning()
                        ? hazelcast.getCluster().getMembers().size() : 0)
                .description("Members of the cluster, as this member sees them").register(registry);
        hazelcast.getCluster().addMembershipListener(new MembershipListener() {
            @Override
            public void memberAdded(MembershipEvent event) {
                joined.increment();
                log.info("Cluster member {} joined: {} member(s) now", describe(event.getMember()), event.getMembers().size());
            }

            @Override
            public void memberRemoved(MembershipEvent event) {
                left.increment();
                log.warn("Cluster member {} left or was lost: {} member(s) now", describe(event.getMember()),
                        event.getMembers().size());
            }
        });
        Gauge.builder("jobpool.cluster.partitions.migrating", () -> migrating)
                .description("Partition migrations planned after a join or a loss and not done yet (on the oldest member)")
                .register(registry);
        hazelcast.getPartitionService().addMigrationListener(new MigrationListener() {
            @Override
            public void migrationStarted(MigrationState state) {
                migrating = state.getRemainingMigrations();
            }

            @Override
            public void migrationFinished(MigrationState state) {
                migrating = 0;
                log.info("Partition migrations done: {} in {} ms", state.getCompletedMigrations(), state.getTotalElapsedTime());
            }

            @Override
            public void replicaMigrationCompleted(ReplicaMigrationEvent event) {
                migrating = event.getMigrationState().getRemainingMigrations();
            }

            @Override
            public void replicaMigrationFailed(ReplicaMigrationEvent event) {
                migrating = event.getMigrationState().getRemainingMigrations();
            }
        });
        log.info("Cluster member {} started: {} member(s)", describe(local()), members().size());
    }

    public List<Member> members() {
        return List.copyOf(hazelcast.getCluster().getMembers());
    }

    public Member local() {
        return hazelcast.getCluster().getLocalMember();
    }

    private static String describe(Member member) {
        return member.getAddress().getHost() + ":" + member.getAddress().getPort() + " (" + member.getUuid() + ")";
    }
}
