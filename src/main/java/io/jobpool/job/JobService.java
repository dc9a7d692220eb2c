package io.jobpool.job;

import io.jobpool.execution.Engine;
import io.jobpool.execution.MapTask;
import io.jobpool.execution.TaskRun;
import io.jobpool.function.FunctionCatalog;
import io.jobpool.function.InvalidParamsException;
import io.jobpool.function.cel.CelExpressions;
import io.jobpool.function.cel.ExpressionException;
import io.jobpool.function.spi.JobFunction;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;

/**
 * What clients can do with jobs: submit, look up, list, cancel, wait for the end. Also keeps the
 * retained set within its time and memory bounds.
 *
 * <p>Thread-safe. Submissions are serialised by one lock around admission and start, so two
 * concurrent submits cannot both squeeze under the queue bound; everything else is lock-free.
 */
public final class JobService {

    private static final Logger log = LoggerFactory.getLogger(JobService.class);

    private final FunctionCatalog catalog;
    private final CelExpressions expressions;
    private final Engine engine;
    private final JobRegistry registry;
    private final AdmissionPolicy admission;
    private final JobSettings settings;
    private final JobMetrics metrics;
    private final ResultEncoder encoder;
    private final Clock clock;
    private final Object submissions = new Object();
    private final TenantQuotas quotas;
    private final IdempotencyKeys idempotencyKeys = new IdempotencyKeys();
    private volatile boolean stopping;

    public JobService(FunctionCatalog catalog, CelExpressions expressions, Engine engine, JobRegistry registry,
                      AdmissionPolicy admission, TenantQuotas quotas, JobSettings settings, MeterRegistry meters, JsonMapper mapper, Clock clock) {
        this.catalog = catalog;
        this.expressions = expressions;
        this.engine = engine;
        this.registry = registry;
        this.admission = admission;
        this.quotas = quotas;
        this.settings = settings;
        this.metrics = new JobMetrics(meters, registry, admission);
        this.encoder = new ResultEncoder(mapper);
        this.clock = clock;
    }

    /**
     * An {@code Idempotency-Key} and the fingerprint of the request it came with.
     *
     * @param fingerprint a digest of the request, to tell a retry from a different request
     */
    public record Idempotency(String key, String fingerprint) {
    }

    /** A submission's outcome: the job, and whether it was made by an earlier request with the same key. */
    public record Submission(Job job, boolean replayed) {
    }

    /**
     * Validates, admits and starts a job for {@code tenant}; throws {@link JobpoolException} when it is
     * refused. With an idempotency key seen before, returns that key's job instead.
     */
    public Submission submit(String tenant, JobSpec spec, Idempotency idempotency) {
        try {
            return admitAndStart(tenant, spec, idempotency);
        } catch (JobpoolException e) {
            metrics.rejected(e.type());
            throw e;
        }
    }

    private Submission admitAndStart(String tenant, JobSpec spec, Idempotency idempotency) {
        if (stopping) {
            throw new JobpoolException(ProblemType.SHUTTING_DOWN, "the service is shutting down; submit to another instance or retry later");
        }
        JobFunction<?> function = spec.expression() != null ? compile(spec.expression()) : catalogFunction(spec);
        if (spec.size() > settings.maxItemsPerJob()) {
            throw new JobpoolException(ProblemType.PAYLOAD_TOO_LARGE, "the job has " + spec.size()
                    + " inputs; at most " + settings.maxItemsPerJob() + " are allowed per job", "inputs", null);
        }
        if (spec.maxPending() != null && spec.maxPending() > settings.openMaxPending()) {
            throw JobpoolException.invalid("maxPending", "maxPending must be at most " + settings.openMaxPending()
                    + " (jobpool.open-jobs.max-pending), got " + spec.maxPending());
        }
        int maxPending = spec.maxPending() != null ? spec.maxPending() : settings.openMaxPending();
        Job job;
        synchronized (submissions) {
            if (idempotency != null) {
                JobId earlier = idempotencyKeys.find(tenant, idempotency.key(), idempotency.fingerprint());
                Job replayed = earlier == null ? null : registry.find(earlier).orElse(null);
                if (replayed != null) {
                    return new Submission(replayed, true);
                }
            }
            admission.admit(spec.size(), engine.queuedItems(), engine.itemsPerSecond());
            checkQuota(tenant, spec.size(), spec.open());
            job = new Job(JobId.random(), tenant, spec, function.name(), maxPending, clock, encoder, this::ended);
            // logged before the start, so that a job's "submitted" line always precedes its "ended" line
            lifecycle(job, "submitted").addKeyValue("function", function.name()).addKeyValue("items", spec.size())
                    .log("Job {} submitted: tenant={} function={} items={}", job.id(), tenant, function.name(), spec.size());
            MapTask task = new MapTask(function, spec.params(), job.inputs(), spec.chunkSize(),
                    spec.onError() == OnError.FAIL, spec.retries(), spec.priority(), spec.timeout(), job.id().value(),
                    spec.open(), tenant);
            TaskRun run = engine.start(task, job.observer());
            job.attach(run);
            registry.add(job);
            if (idempotency != null) {
                idempotencyKeys.remember(tenant, idempotency.key(), idempotency.fingerprint(), job.id(), clock.instant());
            }
        }
        if (job.state().isTerminal()) {
            // it ended before it was registered, so its end could not count it against the budget
            enforceResultsBudget();
        }
        metrics.submitted(function.name(), tenant);
        return new Submission(job, false);
    }

    /**
     * Refuses work past the tenant's quota, with a retry hint from how fast the tenant's own jobs drain.
     * Called under the submission lock, so the tenant's usage cannot change meanwhile through submits.
     */
    private void checkQuota(String tenant, long items, boolean opensJob) {
        TenantQuotas.Quota quota = quotas.of(tenant);
        long queued = 0;
        int openJobs = 0;
        double rate = 0;
        for (Job job : registry.all()) {
            if (!job.tenant().equals(tenant) || job.state().isTerminal()) {
                continue;
            }
            Progress progress = job.progress();
            queued += progress.total() - progress.completed();
            rate += progress.itemsPerSecond();
            openJobs += job.state() == JobState.OPEN ? 1 : 0;
        }
        if (opensJob && openJobs >= quota.maxOpenJobs()) {
            throw new JobpoolException(ProblemType.QUOTA_EXCEEDED, "tenant " + tenant + " has " + openJobs
                    + " open jobs, its quota; close one first", null, 5L);
        }
        long excess = queued + items - quota.maxQueuedItems();
        if (excess > 0) {
            long retryAfter = Math.max(1, Math.min(300, rate > 0 ? (long) Math.ceil(excess / rate) : 5));
            throw new JobpoolException(ProblemType.QUOTA_EXCEEDED, "tenant " + tenant + " has " + queued
                    + " items queued; " + items + " more would pass its quota of " + quota.maxQueuedItems()
                    + ". Retry after " + retryAfter + " s", null, retryAfter);
        }
    }

    private JobFunction<?> catalogFunction(JobSpec spec) {
        JobFunction<?> function = catalog.find(spec.function()).orElseThrow(() -> new JobpoolException(
                ProblemType.UNKNOWN_FUNCTION, "no function is named '" + spec.function() + "'; GET /v1/functions lists them",
                "function", null));
        try {
            FunctionCatalog.validateParams(function, spec.params());
        } catch (InvalidParamsException e) {
            throw new JobpoolException(ProblemType.INVALID_PARAMS, e.getMessage(), e.field(), null);
        }
        return function;
    }

    private JobFunction<?> compile(String expression) {
        try {
            return expressions.compile(expression);
        } catch (ExpressionException e) {
            throw new JobpoolException(ProblemType.INVALID_EXPRESSION, "the expression does not compile at line "
                    + e.line() + ", column " + e.column() + ": " + e.getMessage(), "expression", null);
        }
    }

    /**
     * The tenant's job with this id. Another tenant's job is "not found", exactly like a job that does
     * not exist, so that ids cannot be probed across tenants.
     */
    public Job get(String tenant, String id) {
        return JobId.parse(id).flatMap(registry::find).filter(job -> job.tenant().equals(tenant))
                .orElseThrow(() -> new JobpoolException(ProblemType.JOB_NOT_FOUND, "no job has the id '" + id
                        + "'; it may never have existed or its retention ended", null, null));
    }

    public JobRegistry.Page list(String tenant, JobState state, int offset, int limit) {
        return registry.list(tenant, state, offset, limit);
    }

    /** Cancels a job that has not ended; a job that has ended is a conflict. */
    public Job cancel(String tenant, String id) {
        Job job = get(tenant, id);
        lifecycle(job, "cancel-requested").log("Job {} cancel requested: tenant={}", job.id(), tenant);
        if (!job.cancel() && job.state().isTerminal()) {
            throw new JobpoolException(ProblemType.JOB_STATE_CONFLICT, "job " + id + " has already ended as "
                    + job.state() + "; only queued or running jobs can be cancelled", null, null);
        }
        job.whenEnded().join();
        return job;
    }

    /**
     * Appends a batch of inputs to an open job; returns the index of the first. The batch counts against
     * the service's queue bound like a submission does, and against the job's own bound.
     */
    public int append(String tenant, String id, List<?> batch) {
        Job job = get(tenant, id);
        if (batch.size() > settings.maxItemsPerJob()) {
            throw new JobpoolException(ProblemType.PAYLOAD_TOO_LARGE, "the batch has " + batch.size()
                    + " inputs; at most " + settings.maxItemsPerJob() + " are allowed per request", null, null);
        }
        try {
            synchronized (submissions) {
                if (stopping) {
                    throw new JobpoolException(ProblemType.SHUTTING_DOWN, "the service is shutting down; it takes no more inputs");
                }
                admission.admit(batch.size(), engine.queuedItems(), engine.itemsPerSecond());
                checkQuota(tenant, batch.size(), false);
                return job.append(batch);
            }
        } catch (JobpoolException e) {
            metrics.rejected(e.type());
            throw e;
        }
    }

    /** Closes an open job: it finishes once the inputs it has are done. */
    public Job close(String tenant, String id) {
        Job job = get(tenant, id);
        job.closeInputs();
        lifecycle(job, "closed").log("Job {} closed: no more inputs", job.id());
        return job;
    }

    public PoolStatus pool() {
        return new PoolStatus(engine.workers(), engine.ioWorkers(), engine.busy(), engine.ioBusy(),
                engine.queuedItems(), admission.maxQueuedItems(),
                engine.activeTasks(), engine.itemsPerSecond());
    }

    private void ended(Job job) {
        metrics.ended(job);
        Progress progress = job.progress();
        lifecycle(job, "ended").addKeyValue("state", job.state().name()).addKeyValue("completed", progress.completed())
                .addKeyValue("failed", progress.failed())
                .log("Job {} ended: state={} completed={} failed={}", job.id(), job.state(), progress.completed(),
                        progress.failed());
        enforceResultsBudget();
    }

    /**
     * Drops finished jobs whose retention has passed, and ends open jobs that got no input for longer
     * than the idle timeout (as {@code TIMED_OUT}, error type {@code IdleTimeout}: their producer is gone).
     */
    public void evictExpired() {
        Instant now = clock.instant();
        Instant cutoff = now.minus(settings.retention());
        Instant idleCutoff = now.minus(settings.openIdleTimeout());
        idempotencyKeys.forgetOlderThan(cutoff);
        for (Job job : registry.all()) {
            if (job.state().isTerminal() && job.finishedAt().isBefore(cutoff)) {
                registry.remove(job.id());
                lifecycle(log.atDebug(), job, "removed").log("Job {} removed: its retention ended", job.id());
            } else if (job.state() == JobState.OPEN && job.lastInputAt().isBefore(idleCutoff) && job.expire()) {
                lifecycle(job, "expired").log("Job {} expired: no input for {}", job.id(), settings.openIdleTimeout());
            }
        }
    }

    private void enforceResultsBudget() {
        List<Job> jobs = registry.all();
        long total = jobs.stream().mapToLong(job -> job.results().bytes()).sum();
        if (total <= settings.resultsMaxBytes()) {
            return;
        }
        List<Job> oldestFirst = jobs.stream().filter(job -> job.state().isTerminal())
                .sorted(Comparator.comparing(Job::finishedAt)).toList();
        for (Job job : oldestFirst) {
            if (total <= settings.resultsMaxBytes()) {
                break;
            }
            registry.remove(job.id());
            total -= job.results().bytes();
            lifecycle(job, "evicted").log("Job {} evicted: retained results over the budget of {} bytes", job.id(),
                    settings.resultsMaxBytes());
        }
    }

    /**
     * An info line about a job's life, carrying {@code jobId}, {@code tenant} and {@code jobEvent} as
     * key-value pairs, which structured logging ({@code logging.structured.format.console}) turns into
     * JSON fields. Never add request bodies, inputs, results, error messages or keys to these lines:
     * item error messages may quote inputs.
     */
    private static LoggingEventBuilder lifecycle(Job job, String event) {
        return lifecycle(log.atInfo(), job, event);
    }

    private static LoggingEventBuilder lifecycle(LoggingEventBuilder line, Job job, String event) {
        return line.addKeyValue("jobId", job.id().value()).addKeyValue("tenant", job.tenant()).addKeyValue("jobEvent", event);
    }

    /** New submissions are refused from now on; jobs already accepted go on. */
    public void stopAccepting() {
        stopping = true;
    }
}
