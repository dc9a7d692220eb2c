package io.jobpool.job;

import io.jobpool.execution.Engine;
import io.jobpool.execution.EngineSettings;
import io.jobpool.execution.RunOptions;
import io.jobpool.execution.TaskOutcome;
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
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A shared open job on two members, each a {@link JobService} of its own over one cluster that keeps
 * only the job and its ending: the idle timeout that one member notices ends the job the same way on
 * the other, and a member that adopts an open job closed in the cluster reads the batches it missed.
 */
@Timeout(30)
class SharedOpenJobTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Engine engine = new Engine(new EngineSettings(1, 1, Duration.ofMillis(20)), meters);
    private final JsonMapper mapper = JsonMapper.builder().build();

    @AfterEach
    void stop() {
        engine.stop(Duration.ZERO);
    }

    @Test
    void anOpenJobIdleTooLongOnOneMemberEndsAsIdleTimeoutOnTheOther() throws Exception {
        OneOpenJob cluster = new OneOpenJob();
        JobService noticing = service(cluster, Duration.ofMillis(1));
        JobService other = service(cluster, Duration.ofHours(1));
        Job job = noticing.submit("acme", new JobSpec("square", null, null, List.of(), RunOptions.DEFAULTS.asOpen(null)), null).job();
        other.adopt(cluster.shared.get());
        Job copy = other.find(job.id().value()).orElseThrow();

        Thread.sleep(20);
        noticing.evictExpired();
        other.endAsDecided(job.id().value(), cluster.endings.get(job.id().value()));

        assertThat(cluster.endings.get(job.id().value()).kind()).isEqualTo(TaskOutcome.Kind.IDLE_TIMED_OUT);
        for (Job ended : List.of(job, copy)) {
            JobRecord record = ended.whenEnded().get(5, TimeUnit.SECONDS).record();
            assertThat(record.state()).isEqualTo(JobState.TIMED_OUT);
            assertThat(record.error().type()).isEqualTo("IdleTimeout");
        }
    }

    @Test
    void aMemberThatHasNotHeardOfTheLastBatchDoesNotEndTheJobAsIdleWhenTheClusterDisagrees() throws Exception {
        OneOpenJob cluster = new OneOpenJob();
        cluster.agreesIdle = false; // a batch came through another member a moment ago
        JobService late = service(cluster, Duration.ofMillis(1));
        Job job = late.submit("acme", new JobSpec("square", null, null, List.of(), RunOptions.DEFAULTS.asOpen(null)), null).job();

        Thread.sleep(20);
        late.evictExpired();

        assertThat(job.state()).isEqualTo(JobState.OPEN);
        assertThat(cluster.endings).isEmpty();
    }

    @Test
    void aMemberThatAdoptsAnOpenJobClosedInTheClusterReadsTheBatchesItMissedAndCompletes() throws Exception {
        OneOpenJob cluster = new OneOpenJob();
        JobService first = service(cluster, Duration.ofHours(1));
        Job job = first.submit("acme", new JobSpec("square", null, null, List.of(2), RunOptions.DEFAULTS.asOpen(null)), null).job();
        cluster.batches = List.of(new SharedJobs.Batch(job.id().value(), 1, 2, mapper.writeValueAsBytes(List.of(3, 4))));
        cluster.closedAt = 3;
        JobService late = service(cluster, Duration.ofHours(1));

        late.adopt(cluster.shared.get());

        Job copy = late.find(job.id().value()).orElseThrow();
        assertThat(copy.knownInputs()).isEqualTo(3);
        assertThat(copy.state()).as("closed, waiting for its chunks").isIn(JobState.QUEUED, JobState.RUNNING);
        ChunkResults.Encoder committed = new ChunkResults.Encoder(0, new ResultEncoder(mapper));
        committed.succeeded(0, 4);
        committed.succeeded(1, 9);
        committed.succeeded(2, 16);
        assertThat(copy.applyCommitted(0, 3, committed.bytes())).isTrue();
        assertThat(copy.whenEnded().get(5, TimeUnit.SECONDS).state()).isEqualTo(JobState.SUCCEEDED);
        assertThat(copy.progress().completed()).isEqualTo(3);
    }

    @Test
    void aMemberAdoptingALongLivedOpenJobDoesNotTimeItOutWhileReadingTheBatchesItMissed() throws Exception {
        JobSpec spec = new JobSpec("square", null, null, List.of(2), RunOptions.DEFAULTS.asOpen(null));
        String id = JobId.random().value();
        // created two hours ago, fed ever since: its last batch came a moment ago, well within the idle timeout
        SharedJobs.SharedJob shared = new SharedJobs.SharedJob(id, "acme", "square", 100,
                java.time.Instant.now().minus(Duration.ofHours(2)), new SharedSpec(mapper).write(spec));
        AtomicReference<JobService> late = new AtomicReference<>();
        OneOpenJob cluster = new OneOpenJob() {
            @Override
            public State state(String job) {
                late.get().evictExpired(); // the member's idle sweep comes while it reads the cluster
                return super.state(job);
            }
        };
        cluster.batches = List.of(new SharedJobs.Batch(id, 1, 2, mapper.writeValueAsBytes(List.of(3, 4))));
        cluster.agreesIdle = false; // the cluster saw that batch come
        late.set(service(cluster, Duration.ofHours(1)));

        late.get().adopt(shared);

        Job copy = late.get().find(id).orElseThrow();
        assertThat(cluster.endings).as("not idle: it got a batch a moment ago").isEmpty();
        assertThat(copy.state()).isEqualTo(JobState.OPEN);
        assertThat(copy.knownInputs()).isEqualTo(3);
    }

    private JobService service(SharedJobs cluster, Duration idleTimeout) {
        return new JobService(new JobFunctions(new FunctionCatalog(List.of(new Square())),
                new CelExpressions(CelLimits.DEFAULTS, meters)), engine, new InMemoryJobRegistry(), List.of(),
                new JobSettings(1_000, 10_000, Duration.ofMinutes(5), Long.MAX_VALUE, 100, idleTimeout),
                meters, mapper, Clock.systemUTC(), cluster, Duration.ofMillis(100));
    }

    /** A cluster of one open job: shared, ended once, with the batches and the close a test gives it. */
    private static class OneOpenJob extends EmptyCluster {
        final AtomicReference<SharedJob> shared = new AtomicReference<>();
        final Map<String, Ending> endings = new ConcurrentHashMap<>();
        volatile List<Batch> batches = List.of();
        volatile int closedAt = -1;
        /** Whether the cluster finds the job idle too: no batch came through another member meanwhile. */
        volatile boolean agreesIdle = true;

        @Override
        public void share(SharedJob job, int total) {
            shared.set(job);
        }

        @Override
        public void end(String job, Ending ending) {
            endings.putIfAbsent(job, ending);
        }

        @Override
        public boolean endIdle(String job, Duration idle, Ending ending) {
            return agreesIdle && endings.putIfAbsent(job, ending) == null;
        }

        @Override
        public List<Batch> batches(String job, int from) {
            return batches.stream().filter(batch -> batch.first() >= from).toList();
        }

        @Override
        public State state(String job) {
            int inputs = batches.isEmpty() ? 0 : batches.get(batches.size() - 1).first() + batches.get(batches.size() - 1).size();
            return new State(List.of(), false, null, java.util.Set.of(), inputs, closedAt >= 0);
        }
    }
}
