package io.jobpool.cluster;

import com.hazelcast.config.Config;
import com.hazelcast.config.JoinConfig;
import com.hazelcast.core.Hazelcast;
import com.hazelcast.core.HazelcastInstance;
import io.jobpool.execution.TaskOutcome;
import io.jobpool.job.SharedJobs;
import io.jobpool.support.PackagedJar;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The cluster's jobs on real Hazelcast members (three, in this JVM, on loopback): disjoint claims across
 * members, a killed member's chunks offered again with the next attempt and nothing committed lost, a
 * late answer of a removed member fenced off, a chunk lost after three members died under it, and a
 * member that leaves in order handing its chunks back without spending an attempt; an open job's batches
 * numbered in order through any member, bounded over all of them, claimed only by members that have them.
 */
@Timeout(value = 2, unit = TimeUnit.MINUTES)
class HazelcastSharedJobsTest {

    /** Claims among every input of the job: a closed job's members have them all. */
    private static final int ALL = Integer.MAX_VALUE;

    private final List<HazelcastInstance> members = new ArrayList<>();

    @AfterEach
    void stop() {
        members.forEach(member -> member.getLifecycleService().terminate());
    }

    @Test
    void membersClaimDisjointChunksUntilTheJobIsCovered() throws IOException {
        start(3);
        HazelcastSharedJobs[] shared = {jobs(0), jobs(1), jobs(2)};
        shared[0].share(job("job"), 100);

        Set<Integer> covered = new HashSet<>();
        int turn = 0;
        SharedJobs.Lease lease;
        while ((lease = shared[turn++ % 3].claim("job", 7, ALL)) != null) {
            for (int item = lease.start(); item < lease.end(); item++) {
                assertThat(covered.add(item)).as("item %d claimed twice", item).isTrue();
            }
            assertThat(lease.attempt()).isEqualTo(1);
        }
        assertThat(covered).hasSize(100);
        assertThat(shared[1].state("job").claimable()).isFalse();
    }

    @Test
    void aKilledMembersChunksRunAgainElsewhereAndCommittedChunksSurvive() throws IOException {
        start(3);
        HazelcastSharedJobs first = jobs(0);
        HazelcastSharedJobs doomed = jobs(2);
        first.share(job("job"), 20);
        SharedJobs.Lease finished = doomed.claim("job", 10, ALL);
        assertThat(doomed.commit(finished, bytes("first ten"))).isTrue();
        SharedJobs.Lease running = doomed.claim("job", 10, ALL);

        String lost = terminate(2);
        await().atMost(10, TimeUnit.SECONDS).until(() -> members.get(0).getCluster().getMembers().size() == 2);
        assertThat(first.state("job").claimable()).isFalse();
        assertThat(first.release(lost)).isEmpty();
        assertThat(first.state("job").claimable()).isTrue();

        SharedJobs.Lease again = first.claim("job", 10, ALL);
        assertThat(again).isEqualTo(new SharedJobs.Lease("job", running.start(), running.end(), 2));
        assertThat(first.commit(again, bytes("second ten"))).isTrue();
        assertThat(first.state("job").committed()).containsExactlyInAnyOrder(
                new SharedJobs.Committed("job", 0, 10, 1), new SharedJobs.Committed("job", 10, 20, 2));
        assertThat(first.results(new SharedJobs.Committed("job", 0, 10, 1))).map(HazelcastSharedJobsTest::text).contains("first ten");
        assertThat(first.results(new SharedJobs.Committed("job", 10, 20, 2))).map(HazelcastSharedJobsTest::text).contains("second ten");
    }

    @Test
    void aLateAnswerOfARemovedMemberIsFencedOff() throws IOException {
        start(2);
        HazelcastSharedJobs hung = jobs(1);
        HazelcastSharedJobs survivor = jobs(0);
        survivor.share(job("job"), 5);
        SharedJobs.Lease stale = hung.claim("job", 5, ALL);

        // the hung member is removed (as missing heartbeats would remove it) and its chunk runs again
        survivor.release(members.get(1).getCluster().getLocalMember().getUuid().toString());
        SharedJobs.Lease fresh = survivor.claim("job", 5, ALL);
        assertThat(survivor.commit(fresh, bytes("fresh"))).isTrue();

        // then the hung member wakes up and answers: refused, and its bytes are never read
        assertThat(hung.commit(stale, bytes("stale"))).isFalse();
        assertThat(survivor.state("job").committed()).containsExactly(new SharedJobs.Committed("job", 0, 5, 2));
        assertThat(survivor.results(new SharedJobs.Committed("job", 0, 5, 2))).map(HazelcastSharedJobsTest::text).contains("fresh");
    }

    @Test
    void aChunkWhoseMemberDiesThreeTimesIsHeldByTheFinderToFailNotOfferedAgain() throws IOException {
        start(1);
        HazelcastSharedJobs shared = jobs(0);
        shared.share(job("job"), 4);
        UUID[] dead = {UUID.randomUUID(), UUID.randomUUID(), UUID.randomUUID()};

        List<SharedJobs.Lease> lost = List.of();
        for (int attempt = 1; attempt <= SharedJobs.MAX_ATTEMPTS; attempt++) {
            SharedJobs.Lease lease = shared.claim("job", 4, ALL);
            assertThat(lease.attempt()).isEqualTo(attempt);
            // as if the member that claimed it (here: this one, under another name) died holding it
            members.get(0).<String, HazelcastSharedJobs.Table>getMap(HazelcastSharedJobs.LEASES)
                    .executeOnKey("job", new Rename(lease.start(), dead[attempt - 1]));
            lost = shared.release(dead[attempt - 1].toString());
            assertThat(lost).hasSize(attempt == SharedJobs.MAX_ATTEMPTS ? 1 : 0);
        }
        assertThat(shared.claim("job", 4, ALL)).isNull();
        SharedJobs.Lease toFail = lost.get(0);
        assertThat(toFail.attempt()).isEqualTo(SharedJobs.MAX_ATTEMPTS + 1);
        assertThat(shared.commit(toFail, bytes("WorkerLost"))).isTrue();
        assertThat(shared.state("job").committed()).containsExactly(new SharedJobs.Committed("job", 0, 4, 4));
    }

    @Test
    void aMemberThatLeavesHandsItsChunksBackWithoutSpendingAnAttempt() throws IOException {
        start(2);
        HazelcastSharedJobs leaving = jobs(1);
        HazelcastSharedJobs staying = jobs(0);
        staying.share(job("job"), 6);
        SharedJobs.Lease held = leaving.claim("job", 6, ALL);

        leaving.releaseOwn();

        assertThat(staying.claim("job", 6, ALL)).isEqualTo(new SharedJobs.Lease("job", 0, 6, held.attempt()));
        assertThat(leaving.commit(held, bytes("late"))).isFalse();
    }

    @Test
    void aLateCommitOfAMemberThatHandedItsChunkBackDoesNotReplaceTheResultsThatCount() throws IOException {
        start(2);
        HazelcastSharedJobs leaving = jobs(1);
        HazelcastSharedJobs staying = jobs(0);
        staying.share(job("job"), 6);
        SharedJobs.Lease held = leaving.claim("job", 6, ALL);
        leaving.releaseOwn();
        SharedJobs.Lease again = staying.claim("job", 6, ALL);
        assertThat(staying.commit(again, bytes("counted"))).isTrue();

        // the leaving member's chunk ran past the grace and ends after the hand-back: same chunk, same attempt
        assertThat(leaving.commit(held, bytes("late"))).isFalse();

        SharedJobs.Committed committed = staying.state("job").committed().get(0);
        assertThat(staying.results(committed).map(HazelcastSharedJobsTest::text)).contains("counted");
    }

    @Test
    void aKeyIsReplacedOnlyIfItsUseIsStillTheExpectedOneAndKeepsItsRetention() throws IOException {
        start(1);
        HazelcastSharedJobs shared = jobs(0);
        SharedJobs.KeyUse first = new SharedJobs.KeyUse("fp", "a");
        SharedJobs.KeyUse second = new SharedJobs.KeyUse("fp", "b");
        assertThat(shared.useKey("acme", "k", first, java.time.Duration.ofMinutes(1))).isNull();

        assertThat(shared.replaceKey("acme", "k", second, new SharedJobs.KeyUse("fp", "c"), java.time.Duration.ofMinutes(1))).isFalse();
        assertThat(shared.replaceKey("acme", "k", first, second, java.time.Duration.ofSeconds(1))).isTrue();

        assertThat(shared.useKey("acme", "k", first, java.time.Duration.ofMinutes(1))).isEqualTo(second);
        await().atMost(10, TimeUnit.SECONDS).until(() -> shared.useKey("acme", "k", first, java.time.Duration.ofMinutes(1)) == null);
    }

    @Test
    void aChunkHeldByAMemberNoLongerInTheClusterIsReportedUntilReleased() throws IOException {
        start(2);
        HazelcastSharedJobs staying = jobs(0);
        staying.share(job("job"), 6);
        String dying = members.get(1).getCluster().getLocalMember().getUuid().toString();
        jobs(1).claim("job", 3, ALL);
        staying.claim("job", 3, ALL);
        assertThat(staying.state("job").goneHolders()).isEmpty();

        members.get(1).getLifecycleService().terminate();
        await().atMost(30, TimeUnit.SECONDS).until(() -> members.get(0).getCluster().getMembers().size() == 1);

        assertThat(staying.state("job").goneHolders()).containsExactly(dying);
        staying.release(dying);
        assertThat(staying.state("job").goneHolders()).isEmpty();
    }

    @Test
    void aCommitThatLandsAfterTheJobWasExpiredIsForgottenWithIt() throws IOException {
        start(1);
        HazelcastSharedJobs shared = jobs(0);
        shared.share(job("job"), 6);
        SharedJobs.Lease first = shared.claim("job", 3, ALL);
        SharedJobs.Lease second = shared.claim("job", 3, ALL);
        assertThat(shared.commit(first, bytes("one"))).isTrue();

        // the job ended (cancelled elsewhere) while this member was committing its second chunk
        shared.expire("job", java.time.Duration.ofSeconds(1));
        assertThat(shared.commit(second, bytes("two"))).isTrue();

        await().atMost(15, TimeUnit.SECONDS).until(() -> members.get(0).getMap(HazelcastSharedJobs.LEASES).isEmpty()
                && members.get(0).getMap(HazelcastSharedJobs.RESULTS).isEmpty()
                && members.get(0).getMap(HazelcastSharedJobs.JOBS).isEmpty());
    }

    @Test
    void theFirstEndingStaysAndEndsClaims() throws Exception {
        start(1);
        HazelcastSharedJobs shared = jobs(0);
        shared.share(job("job"), 6);
        SharedJobs.Ending cancelled = new SharedJobs.Ending(TaskOutcome.Kind.CANCELLED, -1, "Cancelled", "the job was cancelled");

        shared.end("job", cancelled);
        shared.end("job", new SharedJobs.Ending(TaskOutcome.Kind.TIMED_OUT, -1, "TimedOut", "late"));

        await().atMost(10, TimeUnit.SECONDS).until(() -> shared.state("job").ending() != null);
        Thread.sleep(200); // the second ending, had it come first, would be there by now
        assertThat(shared.state("job").ending()).isEqualTo(cancelled);
        assertThat(shared.claim("job", 6, ALL)).isNull();
    }

    @Test
    void batchesAppendedThroughAnyMemberAreNumberedInOrderAndBoundOverAllMembers() throws IOException {
        start(3);
        HazelcastSharedJobs[] shared = {jobs(0), jobs(1), jobs(2)};
        shared[0].share(job("job"), 2);

        assertThat(shared[1].append("job", bytes("[2,3,4]"), 3, 8)).isEqualTo(new SharedJobs.Appending(2, 2, false, null));
        assertThat(shared[2].append("job", bytes("[5,6]"), 2, 8)).isEqualTo(new SharedJobs.Appending(5, 5, false, null));
        // 7 pending and 2 more would pass the bound of 8, whichever member asks
        assertThat(shared[0].append("job", bytes("[7,8]"), 2, 8)).isEqualTo(new SharedJobs.Appending(-1, 7, false, null));

        // a member that has only the first 2 inputs claims among those only
        SharedJobs.Lease first = shared[0].claim("job", 10, 2);
        assertThat(first).isEqualTo(new SharedJobs.Lease("job", 0, 2, 1));
        assertThat(shared[0].commit(first, bytes("[]"))).isTrue();
        assertThat(shared[0].append("job", bytes("[7,8]"), 2, 8).first()).isEqualTo(7);

        List<SharedJobs.Batch> batches = shared[0].batches("job", 2);
        assertThat(batches).extracting(SharedJobs.Batch::first).containsExactly(2, 5, 7);
        assertThat(batches).extracting(batch -> text(batch.inputs())).containsExactly("[2,3,4]", "[5,6]", "[7,8]");
        assertThat(shared[1].batches("job", 5)).extracting(SharedJobs.Batch::first).containsExactly(5, 7);

        assertThat(shared[2].close("job")).isEqualTo(9);
        assertThat(shared[1].close("job")).isEqualTo(-1);
        assertThat(shared[1].append("job", bytes("[9]"), 1, 8)).isEqualTo(new SharedJobs.Appending(-1, 0, true, null));
        SharedJobs.State state = shared[0].state("job");
        assertThat(state.inputs()).isEqualTo(9);
        assertThat(state.closed()).isTrue();
    }

    @Test
    void anEmptyBatchLeavesNoInputsTheJobsExpiryWouldMiss() throws IOException {
        start(1);
        HazelcastSharedJobs shared = jobs(0);
        shared.share(job("job"), 1);

        assertThat(shared.append("job", bytes("[]"), 0, 8).first()).isEqualTo(1);
        assertThat(shared.append("job", bytes("[1]"), 1, 8).first()).isEqualTo(1);

        // the job's expiry takes the batches its table refers to: any other stored batch would stay for ever
        Set<String> referenced = new HashSet<>();
        members.get(0).<String, HazelcastSharedJobs.Table>getMap(HazelcastSharedJobs.LEASES).get("job").batches.values()
                .forEach(ref -> referenced.add(ref.key()));
        assertThat(members.get(0).<String, byte[]>getMap(HazelcastSharedJobs.INPUTS).keySet()).isEqualTo(referenced);
        assertThat(shared.batches("job", 1)).extracting(batch -> text(batch.inputs())).containsExactly("[1]");
    }

    @Test
    void anOpenJobEndsAsIdleOnlyIfNoBatchCameThroughAnyMemberForTheIdleTimeAndItIsNotClosed() throws IOException {
        start(2);
        HazelcastSharedJobs appending = jobs(0);
        HazelcastSharedJobs idle = jobs(1);
        SharedJobs.Ending ending = new SharedJobs.Ending(TaskOutcome.Kind.IDLE_TIMED_OUT, -1, "IdleTimeout", "idle");
        appending.share(job("job"), 0);
        appending.share(job("closed"), 0);
        appending.close("closed");

        appending.append("job", bytes("[1]"), 1, 100);
        assertThat(idle.endIdle("job", java.time.Duration.ofHours(1), ending)).as("a batch came a moment ago").isFalse();
        assertThat(idle.endIdle("closed", java.time.Duration.ZERO, ending)).as("closed: it finishes instead").isFalse();
        assertThat(idle.endIdle("job", java.time.Duration.ZERO, ending)).isTrue();

        assertThat(appending.append("job", bytes("[2]"), 1, 100)).isEqualTo(new SharedJobs.Appending(-1, 0, false, ending));
        assertThat(appending.state("job").ending()).isEqualTo(ending);
    }

    @Test
    void everyMemberHearsOfEachBatchWithItsInputsAndOfTheClose() throws IOException {
        start(2);
        HazelcastSharedJobs appending = jobs(0);
        HazelcastSharedJobs hearing = jobs(1);
        List<String> heard = new java.util.concurrent.CopyOnWriteArrayList<>();
        hearing.listen(new SharedJobs.Listener() {
            @Override
            public void shared(SharedJobs.SharedJob job) {
            }

            @Override
            public void committed(SharedJobs.Committed chunk) {
            }

            @Override
            public void appended(SharedJobs.Batch batch) {
                heard.add(batch.job() + "@" + batch.first() + "+" + batch.size() + "=" + text(batch.inputs()));
            }

            @Override
            public void closed(String job, int total) {
                heard.add(job + " closed at " + total);
            }

            @Override
            public void ended(String job, SharedJobs.Ending ending) {
            }

            @Override
            public void memberLost(String member) {
            }
        });
        appending.share(job("job"), 0);

        appending.append("job", bytes("[\"a\",\"b\"]"), 2, 100);
        appending.append("job", bytes("[\"c\"]"), 1, 100);
        appending.close("job");

        await().atMost(10, TimeUnit.SECONDS).until(() -> heard.size() == 3);
        assertThat(heard).containsExactly("job@0+2=[\"a\",\"b\"]", "job@2+1=[\"c\"]", "job closed at 3");
    }

    @Test
    void aChunkALostMemberReleasedIsClaimedOnlyByAMemberThatHasItsInputs() throws IOException {
        start(2);
        HazelcastSharedJobs lost = jobs(1);
        HazelcastSharedJobs survivor = jobs(0);
        survivor.share(job("job"), 4);
        survivor.append("job", bytes("[4,5,6,7]"), 4, 100);
        SharedJobs.Lease held = lost.claim("job", 8, 8);
        assertThat(held).isEqualTo(new SharedJobs.Lease("job", 0, 8, 1));
        String gone = terminate(1);

        survivor.release(gone);

        assertThat(survivor.claim("job", 8, 4)).as("a member with 4 of the 8 inputs").isNull();
        assertThat(survivor.claim("job", 8, 8)).isEqualTo(new SharedJobs.Lease("job", 0, 8, 2));
    }

    /** Test only: gives a held chunk to another owner, standing in for the member that claimed it. */
    record Rename(int start, UUID owner) implements com.hazelcast.map.EntryProcessor<String, HazelcastSharedJobs.Table, Void> {
        @Override
        public Void process(java.util.Map.Entry<String, HazelcastSharedJobs.Table> entry) {
            HazelcastSharedJobs.Table table = entry.getValue();
            table.held.put(start, new HazelcastSharedJobs.Holder(owner, table.held.get(start).attempt()));
            entry.setValue(table);
            return null;
        }
    }

    /** Ends a member like kill -9 (no graceful leave); returns its id, as the others name it. */
    private String terminate(int member) {
        String id = members.get(member).getCluster().getLocalMember().getUuid().toString();
        members.get(member).getLifecycleService().terminate();
        return id;
    }

    private HazelcastSharedJobs jobs(int member) {
        return new HazelcastSharedJobs(members.get(member));
    }

    private static SharedJobs.SharedJob job(String id) {
        return new SharedJobs.SharedJob(id, "acme", "square", 100, Instant.now(), bytes("{}"));
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
