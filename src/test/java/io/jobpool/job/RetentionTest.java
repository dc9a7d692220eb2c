package io.jobpool.job;

import io.jobpool.execution.ChunkSink;
import io.jobpool.execution.RunOptions;
import io.jobpool.execution.TaskObserver;
import io.jobpool.execution.TaskOutcome;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import static org.assertj.core.api.Assertions.assertThat;

/** The retained set's two bounds, time and results memory, both dropping the oldest finished jobs first. */
class RetentionTest {

    private static final Instant T0 = Instant.parse("2026-12-01T10:00:00Z");
    private static final ResultEncoder ENCODER = new ResultEncoder(JsonMapper.builder().build());

    private final InMemoryJobRegistry registry = new InMemoryJobRegistry();
    private final MutableClock clock = new MutableClock();

    @Test
    void aFinishedJobIsKeptForTheRetentionThenForgotten() {
        Retention retention = new Retention(registry, Duration.ofMinutes(10), Long.MAX_VALUE);
        Job job = finishedJob(retention, 3);

        retention.sweep(T0.plus(Duration.ofMinutes(10)));
        assertThat(registry.find(job.id())).isPresent();

        retention.sweep(T0.plus(Duration.ofMinutes(10)).plusMillis(1));
        assertThat(registry.find(job.id())).isEmpty();
        assertThat(retention.resultBytes().sum()).as("its bytes are taken back").isZero();
    }

    @Test
    void theSweepDropsOnlyJobsPastTheirRetentionOldestFirst() {
        Retention retention = new Retention(registry, Duration.ofMinutes(10), Long.MAX_VALUE);
        Job old = finishedJob(retention, 1);
        clock.now = T0.plus(Duration.ofMinutes(5));
        Job recent = finishedJob(retention, 1);

        retention.sweep(T0.plus(Duration.ofMinutes(12)));

        assertThat(registry.find(old.id())).isEmpty();
        assertThat(registry.find(recent.id())).isPresent();
    }

    @Test
    void overTheResultsBudgetTheOldestFinishedJobsGoFirst() {
        long oneJob = bytesOfAJobWith(20);
        Retention retention = new Retention(registry, Duration.ofDays(1), 3 * oneJob);
        List<Job> jobs = new ArrayList<>();
        for (int i = 0; i < 5; i++) {
            clock.now = T0.plusSeconds(i);
            jobs.add(finishedJob(retention, 20));
        }
        assertThat(jobs).extracting(job -> registry.find(job.id()).isPresent()).containsExactly(false, false, true, true, true);
        assertThat(retention.resultBytes().sum()).isEqualTo(3 * oneJob);
    }

    @Test
    void theResultsOfUnfinishedJobsCountAgainstTheBudget() {
        long oneJob = bytesOfAJobWith(20);
        Retention retention = new Retention(registry, Duration.ofDays(1), 3 * oneJob);
        Job first = finishedJob(retention, 20);
        Job running = job(retention, 40);
        writeAll(running); // two jobs' worth of results, not finished

        Job third = finishedJob(retention, 20);

        assertThat(registry.find(first.id())).isEmpty();
        assertThat(registry.find(running.id())).as("unfinished jobs are never evicted").isPresent();
        assertThat(registry.find(third.id())).isPresent();
    }

    private long bytesOfAJobWith(int items) {
        Job probe = finishedJob(new Retention(new InMemoryJobRegistry(), Duration.ofDays(1), Long.MAX_VALUE), items);
        return probe.results().bytes();
    }

    private Job finishedJob(Retention retention, int items) {
        Job job = job(retention, items);
        writeAll(job);
        job.observer().finished(new TaskOutcome.Completed(), items, 0);
        retention.ended(job);
        return job;
    }

    private Job job(Retention retention, int items) {
        List<Integer> inputs = Collections.nCopies(items, 7);
        Job job = new Job(JobId.random(), "acme", new JobSpec("square", null, null, inputs, RunOptions.DEFAULTS), "square",
                100, clock.instant(), clock, ENCODER, retention.resultBytes(), ended -> {
        });
        registry.add(job);
        return job;
    }

    /** Runs the job's items by hand: every item gets the value 49. */
    private static void writeAll(Job job) {
        TaskObserver observer = job.observer();
        observer.started();
        ChunkSink sink = observer.chunk(0);
        for (int index = 0; index < job.results().size(); index++) {
            sink.succeeded(index, 49);
        }
        sink.flush();
    }

    private static final class MutableClock extends Clock {
        Instant now = T0;

        @Override
        public Instant instant() {
            return now;
        }

        @Override
        public java.time.ZoneId getZone() {
            return ZoneOffset.UTC;
        }

        @Override
        public Clock withZone(java.time.ZoneId zone) {
            return this;
        }
    }
}
