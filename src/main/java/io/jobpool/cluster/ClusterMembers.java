package io.jobpool.cluster;

import com.hazelcast.cluster.Member;
import com.hazelcast.cluster.MembershipEvent;
import com.hazelcast.cluster.MembershipListener;
import com.hazelcast.core.HazelcastInstance;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.List;

/**
 * This service's view of the cluster: the members, this one among them, and every join and loss,
 * logged and counted ({@code jobpool.cluster.members}, {@code jobpool.cluster.membership{change}}).
 */
public final class ClusterMembers {

    private static final Logger log = LoggerFactory.getLogger(ClusterMembers.class);

    private final HazelcastInstance hazelcast;

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
