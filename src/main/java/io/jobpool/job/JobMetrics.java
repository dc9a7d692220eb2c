package io.jobpool.job;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;

/** The job layer's meters: submissions, endings by state, rejections by reason, job durations. */
final class JobMetrics {

    private final MeterRegistry registry;

    JobMetrics(MeterRegistry registry) {
        this.registry = registry;
    }

    void submitted(String function) {
        Counter.builder("jobpool.jobs.submitted").tag("function", function)
                .description("Jobs accepted").register(registry).increment();
    }

    void ended(Job job) {
        Counter.builder("jobpool.jobs.finished").tag("state", job.state().name()).tag("function", job.function())
                .description("Jobs that reached a terminal state").register(registry).increment();
        Timer.builder("jobpool.job.duration").tag("state", job.state().name())
                .description("From submission to the end of a job").register(registry)
                .record(Duration.between(job.createdAt(), job.finishedAt()));
    }

    void rejected(ProblemType reason) {
        Counter.builder("jobpool.jobs.rejected").tag("reason", reason.name().toLowerCase().replace('_', '-'))
                .description("Submissions refused").register(registry).increment();
    }
}
