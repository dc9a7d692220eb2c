package io.jobpool.job;

import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;

import java.time.Duration;
import java.util.EnumSet;
import java.util.Locale;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * The job layer's meters: submissions, endings by state, rejections by reason, job durations, retained
 * jobs by state, the queue bound, and each tenant's queued items.
 *
 * <p>Tags stay bounded: {@code state} and {@code reason} are enums, {@code function} is the installed
 * catalog plus {@code cel}, and {@code tenant} comes only from configured API keys (or is
 * {@code anonymous}), so a tenant gauge is registered once per configured tenant that submits work.
 * Gauges are computed when scraped by walking the retained jobs; they are meant for a scrape every few
 * seconds, not for the hot path.
 */
final class JobMetrics {

    private final MeterRegistry registry;
    /** Refusals for capacity and for bad functions or parameters: the ones an operator watches for. */
    private static final Set<Refusal> WATCHED_REFUSALS = EnumSet.of(Refusal.OVERLOADED, Refusal.QUOTA_EXCEEDED,
            Refusal.SHUTTING_DOWN, Refusal.PAYLOAD_TOO_LARGE, Refusal.UNKNOWN_FUNCTION, Refusal.INVALID_PARAMS,
            Refusal.INVALID_EXPRESSION);

    private final LiveJobs live;
    private final Set<String> tenants = ConcurrentHashMap.newKeySet();

    JobMetrics(MeterRegistry registry, JobRegistry jobs, LiveJobs live, long maxQueuedItems) {
        this.registry = registry;
        this.live = live;
        for (JobState state : JobState.values()) {
            Gauge.builder("jobpool.jobs", jobs, registered -> count(registered, state)).tag("state", state.name())
                    .description("Retained jobs, by state").register(registry);
        }
        // the refusals dashboards and alerts watch exist at 0 from start-up, so rate() sees zero, not no data
        for (Refusal reason : WATCHED_REFUSALS) {
            rejectedCounter(reason);
        }
        Gauge.builder("jobpool.queue.items.max", () -> maxQueuedItems)
                .description("The bound on items accepted and not yet finished (jobpool.limits.max-queued-items)")
                .register(registry);
    }

    void submitted(String function, String tenant) {
        Counter.builder("jobpool.jobs.submitted").tag("function", function)
                .description("Jobs accepted").register(registry).increment();
        if (tenants.add(tenant)) {
            Gauge.builder("jobpool.tenant.items.queued", live, unfinished -> unfinished.load(tenant).queuedItems())
                    .tag("tenant", tenant).description("Items of the tenant's unfinished jobs not yet done")
                    .register(registry);
        }
    }

    void ended(JobRecord job) {
        Counter.builder("jobpool.jobs.finished").tag("state", job.state().name()).tag("function", job.function())
                .description("Jobs that reached a terminal state").register(registry).increment();
        Timer.builder("jobpool.job.duration").tag("state", job.state().name())
                .description("From submission to the end of a job")
                .serviceLevelObjectives(Duration.ofMillis(10), Duration.ofMillis(100), Duration.ofSeconds(1),
                        Duration.ofSeconds(10), Duration.ofMinutes(1), Duration.ofMinutes(10), Duration.ofHours(1))
                .register(registry)
                .record(Duration.between(job.createdAt(), job.finishedAt()));
    }

    void rejected(Refusal reason) {
        rejectedCounter(reason).increment();
    }

    private Counter rejectedCounter(Refusal reason) {
        return Counter.builder("jobpool.jobs.rejected").tag("reason", reason.name().toLowerCase(Locale.ROOT).replace('_', '-'))
                .description("Submissions refused").register(registry);
    }

    private static long count(JobRegistry jobs, JobState state) {
        long count = 0;
        for (Job job : jobs.all()) {
            if (job.state() == state) {
                count++;
            }
        }
        return count;
    }
}
