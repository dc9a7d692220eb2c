package io.jobpool.job;

import io.jobpool.execution.Engine;
import io.jobpool.execution.EngineSettings;
import io.jobpool.execution.RunOptions;
import io.jobpool.function.FunctionCatalog;
import io.jobpool.function.builtin.Square;
import io.jobpool.function.cel.CelExpressions;
import io.jobpool.function.cel.CelLimits;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.CopyOnWriteArrayList;

import static org.awaitility.Awaitility.await;

/**
 * The sweep of {@link JobReplication}: a chunk still held by a member that is gone, whose loss no member
 * could act on when it was heard of (the cluster refused, below its quorum), is taken back by the sweep,
 * or its job would never complete; and a job this member dropped (retention, results budget) is not
 * brought back from the cluster, whose copy outlives it.
 */
@Timeout(30)
class JobReplicationTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Engine engine = new Engine(new EngineSettings(1, 1, Duration.ofMillis(20)), meters);
    private JobReplication replication;

    @AfterEach
    void stop() {
        if (replication != null) {
            replication.close();
        }
        engine.stop(Duration.ZERO);
    }

    @Test
    void theSweepTakesBackTheChunksOfAMemberThatIsGoneWhenItsLossWasNotActedOn() {
        JsonMapper mapper = JsonMapper.builder().build();
        JobSpec spec = new JobSpec("square", null, null, List.of(1, 2, 3), RunOptions.DEFAULTS);
        String id = JobId.random().value();
        SharedJobs.SharedJob job = new SharedJobs.SharedJob(id, "acme", "square", 100, Instant.now(), new SharedSpec(mapper).write(spec));
        OneJob cluster = new OneJob(job);
        JobService service = service(cluster, mapper, Long.MAX_VALUE);

        replication = new JobReplication(service, cluster);

        await().atMost(Duration.ofSeconds(10)).until(() -> cluster.released.contains("gone-member"));
    }

    @Test
    void aSharedJobThisMemberEvictedIsDroppedFromTheClusterAndNotAdoptedAgain() {
        JsonMapper mapper = JsonMapper.builder().build();
        java.util.concurrent.atomic.AtomicReference<SharedJobs.SharedJob> shared = new java.util.concurrent.atomic.AtomicReference<>();
        java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();
        List<Duration> expiries = new CopyOnWriteArrayList<>();
        OneJob cluster = new OneJob(null) {
            @Override
            public void share(SharedJob job, int total) {
                shared.set(job);
            }

            @Override
            public Optional<SharedJob> find(String id) {
                return Optional.ofNullable(shared.get()).filter(job -> job.id().equals(id));
            }

            @Override
            public Lease claim(String id, int size, int known) {
                return claimed.compareAndSet(false, true) ? new Lease(id, 0, 3, 1) : null;
            }

            @Override
            public boolean commit(Lease lease, byte[] results) {
                return true;
            }

            @Override
            public void expire(String id, Duration after) {
                expiries.add(after);
            }
        };
        // results over a budget of one byte: the job is evicted as soon as it ends
        JobService service = service(cluster, mapper, 1);
        Job job = service.submit("acme", new JobSpec("square", null, null, List.of(1, 2, 3), RunOptions.DEFAULTS), null).job();
        job.whenEnded().join();
        String id = job.id().value();
        await().atMost(Duration.ofSeconds(5)).until(() -> service.find(id).isEmpty());

        org.assertj.core.api.Assertions.assertThatThrownBy(() -> service.get("acme", id))
                .isInstanceOf(JobpoolException.class);
        service.adopt(shared.get());
        org.assertj.core.api.Assertions.assertThat(service.find(id)).isEmpty();
        // evicted for the budget: dropped from the cluster a moment later too, not only at the end of its retention
        org.assertj.core.api.Assertions.assertThat(expiries).containsExactly(Duration.ofMinutes(5), JobService.EVICTED_GRACE);
    }

    @Test
    void aSharedJobThisMemberStoppedAndEvictedIsNotDroppedFromTheClusterWhereItGoesOn() {
        JsonMapper mapper = JsonMapper.builder().build();
        java.util.concurrent.atomic.AtomicBoolean claimed = new java.util.concurrent.atomic.AtomicBoolean();
        List<Duration> expiries = new CopyOnWriteArrayList<>();
        OneJob cluster = new OneJob(null) {
            @Override
            public Lease claim(String id, int size, int known) {
                return claimed.compareAndSet(false, true) ? new Lease(id, 0, 1, 1) : null;
            }

            @Override
            public boolean commit(Lease lease, byte[] results) {
                return true;
            }

            @Override
            public void expire(String id, Duration after) {
                expiries.add(after);
            }
        };
        // results over a budget of one byte: the job is evicted as soon as it ends here
        JobService service = service(cluster, mapper, 1);
        Job job = service.submit("acme", new JobSpec("square", null, null, List.of(1, 2, 3), RunOptions.DEFAULTS), null).job();
        await().atMost(Duration.ofSeconds(5)).until(() -> job.progress().completed() == 1);

        engine.stop(Duration.ZERO); // this member stops: the job goes on on the others
        job.whenEnded().join();

        org.assertj.core.api.Assertions.assertThat(job.record().error().type()).isEqualTo("ServiceStopped");
        org.assertj.core.api.Assertions.assertThat(expiries).as("the cluster's copy is left to the other members").isEmpty();
    }

    @Test
    void aChunkLostTooOftenWhoseFailingCommitFailedOnceIsSettledAgain() {
        JsonMapper mapper = JsonMapper.builder().build();
        JobSpec spec = new JobSpec("square", null, null, List.of(1, 2, 3), RunOptions.DEFAULTS);
        String id = JobId.random().value();
        SharedJobs.SharedJob job = new SharedJobs.SharedJob(id, "acme", "square", 100, Instant.now(), new SharedSpec(mapper).write(spec));
        List<SharedJobs.Lease> commits = new CopyOnWriteArrayList<>();
        OneJob cluster = new OneJob(job) {
            @Override
            public State state(String id) {
                return new State(List.of(), false, null, Set.of(), 0, false);
            }

            @Override
            public List<Lease> release(String member) {
                // this member found the chunk lost for the last time: it holds it, to commit its items as failed
                return List.of(new Lease(id, 0, 3, SharedJobs.MAX_ATTEMPTS + 1));
            }

            @Override
            public boolean commit(Lease lease, byte[] results) {
                commits.add(lease);
                if (commits.size() == 1) {
                    throw new IllegalStateException("the partition's owner is migrating");
                }
                return true;
            }
        };
        JobService service = service(cluster, mapper, Long.MAX_VALUE);
        replication = new JobReplication(service, cluster);

        replication.memberLost("gone-member");

        await().atMost(Duration.ofSeconds(10)).until(() -> commits.size() >= 2);
    }

    /** A member's jobs over {@code cluster}, its retained results bounded by {@code resultsMaxBytes}. */
    private JobService service(SharedJobs cluster, JsonMapper mapper, long resultsMaxBytes) {
        return new JobService(new JobFunctions(new FunctionCatalog(List.of(new Square())),
                new CelExpressions(CelLimits.DEFAULTS, meters)), engine, new InMemoryJobRegistry(), List.of(),
                new JobSettings(1_000, 10_000, Duration.ofMinutes(5), resultsMaxBytes, 100, Duration.ofMinutes(1)),
                meters, mapper, Clock.systemUTC(), cluster, Duration.ofMillis(100));
    }

    /** A cluster with one job, one of whose chunks is held by a member no longer in the cluster. */
    private static class OneJob extends EmptyCluster {
        private final SharedJob job;
        final List<String> released = new CopyOnWriteArrayList<>();

        OneJob(SharedJob job) {
            this.job = job;
        }

        @Override
        public State state(String id) {
            return new State(List.of(), false, null, released.isEmpty() ? Set.of("gone-member") : Set.of(), 0, false);
        }

        @Override
        public List<Lease> release(String member) {
            released.add(member);
            return List.of();
        }

        @Override
        public Optional<SharedJob> find(String id) {
            return Optional.of(job);
        }

        @Override
        public Set<String> ids() {
            return Set.of(job.id());
        }
    }
}
