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
import java.util.List;
import java.util.Optional;
import java.util.Set;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An {@code Idempotency-Key} another member took a moment ago, for a job it has not shared yet: the
 * request through this member must not make a second job for the same key.
 */
@Timeout(30)
class SharedIdempotencyTest {

    private final SimpleMeterRegistry meters = new SimpleMeterRegistry();
    private final Engine engine = new Engine(new EngineSettings(1, 1, Duration.ofMillis(20)), meters);

    @AfterEach
    void stop() {
        engine.stop(Duration.ZERO);
    }

    @Test
    void aKeyTakenThroughAnotherMemberWhoseJobIsNotSharedYetMakesNoSecondJob() {
        String other = JobId.random().value();
        JobService service = service(new NoJobsYet(other), JsonMapper.builder().build());
        JobSpec spec = new JobSpec("square", null, null, List.of(1, 2, 3), RunOptions.DEFAULTS);

        // the other member took the key for its job `other` and shares that job a moment later
        assertThatThrownBy(() -> service.submit("acme", spec, new JobService.Idempotency("key-1", "fp")))
                .isInstanceOf(JobpoolException.class);
    }

    @Test
    void aKeyTakenThroughAnotherMemberReplaysItsJobOnceThatIsShared() {
        String other = JobId.random().value();
        JsonMapper mapper = JsonMapper.builder().build();
        JobSpec spec = new JobSpec("square", null, null, List.of(1, 2, 3), RunOptions.DEFAULTS);
        SharedJobs.SharedJob shared = new SharedJobs.SharedJob(other, "acme", "square", 100, java.time.Instant.now(), new SharedSpec(mapper).write(spec));
        java.util.concurrent.atomic.AtomicInteger looks = new java.util.concurrent.atomic.AtomicInteger();
        JobService service = service(new NoJobsYet(other) {
            @Override
            public Optional<SharedJobs.SharedJob> find(String id) {
                return looks.incrementAndGet() > 3 ? Optional.of(shared) : Optional.empty();
            }
        }, mapper);

        JobService.Submission submission = service.submit("acme", spec, new JobService.Idempotency("key-1", "fp"));

        assertThat(submission.replayed()).isTrue();
        assertThat(submission.job().id().value()).isEqualTo(other);
    }

    @Test
    void aKeyWhoseJobNeverCameIsTakenOverInsteadOfRefusedForEver() {
        String other = JobId.random().value();
        List<String> shared = new java.util.concurrent.CopyOnWriteArrayList<>();
        JobService service = service(new NoJobsYet(other) {
            @Override
            public boolean replaceKey(String tenant, String key, KeyUse expected, KeyUse use, Duration retention) {
                return expected.job().equals(other);
            }

            @Override
            public void share(SharedJob job, int total) {
                shared.add(job.id());
            }
        }, JsonMapper.builder().build());
        JobSpec spec = new JobSpec("square", null, null, List.of(1, 2, 3), RunOptions.DEFAULTS);

        JobService.Submission submission = service.submit("acme", spec, new JobService.Idempotency("key-1", "fp"));

        assertThat(submission.replayed()).isFalse();
        assertThat(shared).containsExactly(submission.job().id().value());
    }

    private JobService service(SharedJobs cluster, JsonMapper mapper) {
        return new JobService(new JobFunctions(new FunctionCatalog(List.of(new Square())),
                new CelExpressions(CelLimits.DEFAULTS, meters)), engine, new InMemoryJobRegistry(), List.of(),
                new JobSettings(1_000, 10_000, Duration.ofMinutes(5), Long.MAX_VALUE, 100, Duration.ofMinutes(1)),
                meters, mapper, Clock.systemUTC(), cluster, Duration.ofMillis(100));
    }

    /** A cluster where another member took every key first, for a job it does not share (here). */
    private static class NoJobsYet extends EmptyCluster {
        private final String job;

        NoJobsYet(String job) {
            this.job = job;
        }

        @Override
        public void share(SharedJob shared, int total) {
            throw new AssertionError("a second job was made for a key another member had taken: " + shared.id());
        }

        @Override
        public KeyUse useKey(String tenant, String key, KeyUse use, Duration retention) {
            return new KeyUse(use.fingerprint(), job);
        }
    }
}
