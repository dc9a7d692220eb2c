package io.jobpool.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.jobpool.support.PackagedJar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Chunk leases on real Hazelcast members (three, in this JVM, on loopback): disjoint claims across
 * members, a killed member's chunks offered again with the next attempt and nothing done lost, a late
 * answer of a removed member fenced off, and a chunk lost after three members died under it.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class ChunkLeasesTest {

    private final List<HazelcastInstance> members = new ArrayList<>();

    @AfterEach
    void stop() {
        members.forEach(member -> member.getLifecycleService().terminate());
    }

    @Test
    void membersClaimDisjointChunksUntilTheJobIsCovered() throws IOException {
        start(3);
        ChunkLeases[] leases = {new ChunkLeases(members.get(0)), new ChunkLeases(members.get(1)), new ChunkLeases(members.get(2))};
        leases[0].open("job", 100);

        Set<Integer> covered = new HashSet<>();
        int turn = 0;
        Optional<ChunkLeases.Lease> lease;
        while ((lease = leases[turn++ % 3].claim("job", 7)).isPresent()) {
            for (int item = lease.get().start(); item < lease.get().end(); item++) {
                assertThat(covered.add(item)).as("item %d claimed twice", item).isTrue();
            }
            assertThat(lease.get().attempt()).isEqualTo(1);
        }
        assertThat(covered).hasSize(100);
    }

    @Test
    void aKilledMembersChunksRunAgainElsewhereAndDoneChunksSurvive() throws IOException {
        start(3);
        ChunkLeases first = new ChunkLeases(members.get(0));
        ChunkLeases doomed = new ChunkLeases(members.get(2));
        first.open("job", 20);
        ChunkLeases.Lease finished = doomed.claim("job", 10).orElseThrow();
        assertThat(doomed.complete(finished, bytes("first ten"))).isTrue();
        ChunkLeases.Lease running = doomed.claim("job", 10).orElseThrow();
        UUID lost = members.get(2).getCluster().getLocalMember().getUuid();

        members.get(2).getLifecycleService().terminate(); // like kill -9: no graceful leave
        await().atMost(10, TimeUnit.SECONDS).until(() -> members.get(0).getCluster().getMembers().size() == 2);
        assertThat(first.release(lost)).isEmpty();

        ChunkLeases.Lease again = first.claim("job", 10).orElseThrow();
        assertThat(again).isEqualTo(new ChunkLeases.Lease("job", running.start(), running.end(), 2));
        assertThat(first.complete(again, bytes("second ten"))).isTrue();
        assertThat(first.progress("job")).isEqualTo(new ChunkLeases.Progress(20, 20, 0));
        assertThat(first.results("job", finished.start())).map(ChunkLeasesTest::text).contains("first ten");
        assertThat(first.results("job", again.start())).map(ChunkLeasesTest::text).contains("second ten");
    }

    @Test
    void aLateAnswerOfARemovedMemberIsFencedOff() throws IOException {
        start(2);
        ChunkLeases hung = new ChunkLeases(members.get(1));
        ChunkLeases survivor = new ChunkLeases(members.get(0));
        survivor.open("job", 5);
        ChunkLeases.Lease stale = hung.claim("job", 5).orElseThrow();

        // the hung member is removed (as missing heartbeats would remove it) and its chunk runs again
        survivor.release(members.get(1).getCluster().getLocalMember().getUuid());
        ChunkLeases.Lease fresh = survivor.claim("job", 5).orElseThrow();
        assertThat(survivor.complete(fresh, bytes("fresh"))).isTrue();

        // then the hung member wakes up and answers: refused, and its bytes are never read
        assertThat(hung.complete(stale, bytes("stale"))).isFalse();
        assertThat(survivor.results("job", 0)).map(ChunkLeasesTest::text).contains("fresh");
        assertThat(survivor.progress("job")).isEqualTo(new ChunkLeases.Progress(5, 5, 0));
    }

    @Test
    void aChunkWhoseMemberDiesThreeTimesIsLostNotOfferedAgain() throws IOException {
        start(1);
        ChunkLeases leases = new ChunkLeases(members.get(0));
        leases.open("job", 4);
        UUID[] dead = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};

        for (int attempt = 1; attempt <= ChunkLeases.MAX_ATTEMPTS; attempt++) {
            ChunkLeases.Lease lease = leases.claim("job", 4).orElseThrow();
            assertThat(lease.attempt()).isEqualTo(attempt);
            // as if the member that claimed it (here: this one, under another name) died holding it
            members.get(0).<String, ChunkLeases.Table>getMap(ChunkLeases.LEASES).executeOnKey("job", new Rename(lease.start(), dead[attempt - 1]));
            List<ChunkLeases.Lease> lost = leases.release(dead[attempt - 1]);
            assertThat(lost).hasSize(attempt == ChunkLeases.MAX_ATTEMPTS ? 1 : 0);
        }
        assertThat(leases.claim("job", 4)).isEmpty();
        assertThat(leases.progress("job")).isEqualTo(new ChunkLeases.Progress(4, 0, 4));
    }

    /** Test only: gives a held chunk to another owner, standing in for the member that claimed it. */
    record Rename(int start, UUID owner) implements com.hazelcast.map.EntryProcessor<String, ChunkLeases.Table, Void> {
        @Override
        public Void process(java.util.Map.Entry<String, ChunkLeases.Table> entry) {
            ChunkLeases.Table table = entry.getValue();
            table.held.put(start, new ChunkLeases.Holder(owner, table.held.get(start).attempt()));
            entry.setValue(table);
            return null;
        }
    }

    private void start(int count) throws IOException {
        String cluster = "leases-" + UUID.randomUUID();
        List<Integer> ports = new ArrayList<>();
        for (int i = 0; i < count; i++) {
            ports.add(PackagedJar.freeMemberPort());
        }
        List<String> addresses = ports.stream().map(port -> "127.0.0.1:" + port).toList();
        for (int port : ports) {
            Config config = new Config().setClusterName(cluster);
            config.setProperty("hazelcast.logging.type", "none"); // its INFO on every migration would flood the build log
            config.setProperty("hazelcast.phone.home.enabled", "false");
            config.setProperty("hazelcast.wait.seconds.before.join", "0");
            config.getNetworkConfig().setPort(port).setPortAutoIncrement(false)
                    .getInterfaces().setEnabled(true).setInterfaces(List.of("127.0.0.1"));
            JoinConfig join = config.getNetworkConfig().getJoin();
            join.getMulticastConfig().setEnabled(false);
            join.getAutoDetectionConfig().setEnabled(false);
            join.getTcpIpConfig().setEnabled(true).setMembers(addresses);
            members.add(Hazelcast.newHazelcastInstance(config));
        }
        await().atMost(60, TimeUnit.SECONDS).until(() -> members.stream().allMatch(m -> m.getCluster().getMembers().size() == count));
    }

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String text(byte[] bytes) {
        return new String(bytes, StandardCharsets.UTF_8);
    }
}
