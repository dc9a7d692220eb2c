package io.jobpool.job;

import io.jobpool.execution.Engine;
import io.jobpool.execution.MapTask;
import io.jobpool.execution.TaskOutcome;
import io.jobpool.execution.TaskRun;
import io.jobpool.function.spi.JobFunction;
import io.micrometer.core.instrument.MeterRegistry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.slf4j.spi.LoggingEventBuilder;
import tools.jackson.databind.json.JsonMapper;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.atomic.LongAdder;

/**
 * What clients can do with jobs: submit, look up, list, feed and close open jobs, cancel. Admission is
 * left to the {@link AdmissionPolicy policies}, the retained set's bounds to {@link Retention}, a job's
 * life to {@link Job} and its {@link JobRecord}.
 *
 * <p>Thread-safe. Admission and registration of submissions and batches are serialised by one lock, so
 * two concurrent requests cannot both squeeze under a bound (a job admitted and not yet handed to the
 * engine counts as queued meanwhile); the start, the logging and everything else run outside it.
 */
public final class JobService {

    private static final Logger log = LoggerFactory.getLogger(JobService.class);

    private final JobFunctions functions;
    private final Engine engine;
    private final JobRegistry registry;
    private final List<AdmissionPolicy> admission;
    private final JobSettings settings;
    private final JobMetrics metrics;
    private final ResultEncoder encoder;
    private final Clock clock;
    private final Object submissions = new Object();
    private final LiveJobs live = new LiveJobs();
    private final Retention retention;
    private final IdempotencyKeys idempotencyKeys = new IdempotencyKeys();
    private final LongAdder admittedNotStarted = new LongAdder();
    private volatile boolean stopping;
    /** The other members' view of jobs, or {@code null} on a service of one member. */
    private final SharedJobs cluster;
    private final SharedSpec specs;
    private final SharedChunkMetrics chunkMetrics;
    private final long sharedChunkNanos;

    public JobService(JobFunctions functions, Engine engine, JobRegistry registry, List<AdmissionPolicy> admission,
                      JobSettings settings, MeterRegistry meters, JsonMapper mapper, Clock clock) {
        this(functions, engine, registry, admission, settings, meters, mapper, clock, null, Duration.ZERO);
    }

    /**
     * A service that shares its jobs with the other members of {@code cluster} (none if {@code null}):
     * each job's chunks are claimed as leases by every member, shared chunks lasting at least
     * {@code sharedChunk} each (a claim and a commit cost round trips).
     */
    public JobService(JobFunctions functions, Engine engine, JobRegistry registry, List<AdmissionPolicy> admission,
                      JobSettings settings, MeterRegistry meters, JsonMapper mapper, Clock clock, SharedJobs cluster,
                      Duration sharedChunk) {
        this.cluster = cluster;
        this.specs = new SharedSpec(mapper);
        this.chunkMetrics = cluster == null ? null : new SharedChunkMetrics(meters);
        this.sharedChunkNanos = sharedChunk.toNanos();
        this.functions = functions;
        this.engine = engine;
        this.registry = registry;
        this.admission = List.copyOf(admission);
        this.settings = settings;
        this.metrics = new JobMetrics(meters, registry, live, settings.maxQueuedItems());
        this.encoder = new ResultEncoder(mapper);
        this.clock = clock;
        this.retention = new Retention(registry, settings.retention(), settings.resultsMaxBytes());
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
            metrics.rejected(e.refusal());
            throw e;
        }
    }

    private Submission admitAndStart(String tenant, JobSpec spec, Idempotency idempotency) {
        refuseWhileStopping("submit to another instance or retry later");
        JobFunction<?> function = functions.resolve(spec);
        if (spec.size() > settings.maxItemsPerJob()) {
            throw new JobpoolException(Refusal.PAYLOAD_TOO_LARGE, "the job has " + spec.size()
                    + " inputs; at most " + settings.maxItemsPerJob() + " are allowed per job", "inputs", null);
        }
        Integer maxPending = spec.options().maxPending();
        if (maxPending != null && maxPending > settings.openMaxPending()) {
            throw JobpoolException.invalid("maxPending", "maxPending must be at most " + settings.openMaxPending()
                    + " (jobpool.open-jobs.max-pending), got " + maxPending);
        }
        Job job;
        synchronized (submissions) {
            if (idempotency != null) {
                Job replayed = replayed(tenant, idempotency, null);
                if (replayed != null) {
                    return new Submission(replayed, true);
                }
            }
            admit(new AdmissionPolicy.Demand(tenant, spec.size(), spec.options().open()));
            JobId id = JobId.random();
            if (idempotency != null && cluster != null) {
                // admitted: now the key is taken cluster-wide, unless a request through another member took it first
                Job replayed = replayed(tenant, idempotency, new SharedJobs.KeyUse(idempotency.fingerprint(), id.value()));
                if (replayed != null) {
                    return new Submission(replayed, true);
                }
            }
            job = new Job(id, tenant, spec, function.name(),
                    maxPending != null ? maxPending : settings.openMaxPending(), clock.instant(), clock, encoder,
                    retention.resultBytes(), this::ended);
            // known before the start, so that the end (which may come at once) finds it to forget
            registry.add(job);
            live.add(job);
            if (idempotency != null) {
                idempotencyKeys.remember(tenant, idempotency.key(), idempotency.fingerprint(), job.id(), clock.instant());
            }
            // counted as queued until the engine has it, so that the next submitter's admission sees it
            admittedNotStarted.add(spec.size());
        }
        // outside the lock (the log line and the start are most of a small job's submission), but in this
        // order, so that a job's "submitted" line always precedes its "ended" line
        lifecycle(job, "submitted").addKeyValue("function", function.name()).addKeyValue("items", spec.size())
                .log("Job {} submitted: tenant={} function={} items={}", job.id(), tenant, function.name(), spec.size());
        try {
            LeasedChunks leased = null;
            if (cluster != null) {
                // stored with its backup before the client hears of it: from here on no member's loss loses it
                share(job, spec);
                leased = job.share(new LeasedChunks(cluster, job, encoder, chunkMetrics, sharedChunkNanos));
            }
            job.attach(engine.start(new MapTask(function, spec.params(), job.inputs(), spec.options(), job.id().value(),
                    tenant), job.observer(), leased));
        } catch (RuntimeException e) {
            job.failedToStart(e); // ends it, so that it holds no quota and nobody waits for it
            throw e;
        } finally {
            admittedNotStarted.add(-spec.size());
        }
        metrics.submitted(function.name(), tenant);
        return new Submission(job, false);
    }

    /**
     * The job an earlier request with this key made, if it is still known; throws if that request was
     * different. With {@code use}, the key is also recorded cluster-wide as this request's, unless a
     * request through another member used it first.
     */
    private Job replayed(String tenant, Idempotency idempotency, SharedJobs.KeyUse use) {
        JobId earlier = idempotencyKeys.find(tenant, idempotency.key(), idempotency.fingerprint());
        Job known = earlier == null ? null : findHereOrInCluster(earlier).orElse(null);
        if (known != null || use == null) {
            return known;
        }
        SharedJobs.KeyUse first = cluster.useKey(tenant, idempotency.key(), use, settings.retention());
        if (first == null) {
            return null; // this request took the key
        }
        idempotencyKeys.remember(tenant, idempotency.key(), first.fingerprint(), JobId.parse(first.job()).orElseThrow(),
                clock.instant());
        earlier = idempotencyKeys.find(tenant, idempotency.key(), idempotency.fingerprint()); // throws if it differed
        // the member that took the key shares its job right after: wait for it rather than make a second job
        long deadline = System.nanoTime() + KEY_JOB_WAIT.toNanos();
        while (true) {
            Optional<Job> job = findHereOrInCluster(earlier);
            if (job.isPresent()) {
                return job.get();
            }
            if (System.nanoTime() - deadline > 0) {
                // its member could not share it (it failed to start there): this request takes the key over
                if (cluster.replaceKey(tenant, idempotency.key(), first, use, settings.retention())) {
                    idempotencyKeys.remember(tenant, idempotency.key(), idempotency.fingerprint(), JobId.parse(use.job())
                            .orElseThrow(), clock.instant());
                    return null;
                }
                throw new JobpoolException(Refusal.SHUTTING_DOWN, "the job of an earlier request with this Idempotency-Key,"
                        + " through another member, is not in the cluster yet; retry later");
            }
            try {
                Thread.sleep(10);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new JobpoolException(Refusal.SHUTTING_DOWN, "interrupted while waiting for the job of an earlier"
                        + " request with this Idempotency-Key; retry later");
            }
        }
    }

    /** How long a request waits for the job another member made for the same key to be shared. */
    private static final Duration KEY_JOB_WAIT = Duration.ofSeconds(1);

    private void share(Job job, JobSpec spec) {
        JobRecord record = job.record();
        try {
            cluster.share(new SharedJobs.SharedJob(record.id().value(), record.tenant(), record.function(),
                    record.maxPending(), record.createdAt(), specs.write(spec)), spec.size());
        } catch (RuntimeException e) {
            log.warn("Job {} could not be shared with the cluster", job.id(), e);
            throw new JobpoolException(Refusal.SHUTTING_DOWN, "the cluster did not take the job: " + e.getMessage()
                    + "; submit to another member or retry later");
        }
    }

    /**
     * Makes this member's copy of a job another member shared and starts claiming its chunks; nothing if
     * it has one already. A job whose function this member does not have is left to the members that do.
     */
    void adopt(SharedJobs.SharedJob shared) {
        JobId id = JobId.parse(shared.id()).orElse(null);
        if (id == null || stopping || retention.wasDropped(id)) {
            return; // a job dropped here stays dropped, as on a single node, though the cluster still has it
        }
        Job job;
        JobSpec spec;
        JobFunction<?> function;
        synchronized (submissions) {
            if (registry.find(id).isPresent()) {
                return;
            }
            try {
                spec = specs.read(shared.spec());
                function = functions.resolve(spec);
            } catch (RuntimeException e) {
                log.error("Job {} of the cluster cannot run here, its other members run it: {}", shared.id(), e.getMessage());
                return;
            }
            job = new Job(id, shared.tenant(), spec, shared.function(), shared.maxPending(), shared.createdAt(), clock,
                    encoder, retention.resultBytes(), this::ended);
            registry.add(job);
            live.add(job);
        }
        LeasedChunks leased = job.share(new LeasedChunks(cluster, job, encoder, chunkMetrics, sharedChunkNanos));
        if (spec.options().open()) {
            // before the run: until then the copy's idleness counts from the job's creation, and a run
            // attached meanwhile could be timed out by the idle sweep, ending the job everywhere
            try {
                catchUp(job, cluster.state(id.value()));
            } catch (RuntimeException e) {
                // the run is attached all the same (a copy left without one would never end): the sweep catches up
                log.warn("Job {}: reading the batches of the open job failed; the sweep reads them: {}", id, e.toString());
            }
        }
        job.attach(engine.start(new MapTask(function, spec.params(), job.inputs(), spec.options(), id.value(),
                shared.tenant()), job.observer(), leased));
    }

    /**
     * Brings this member's copy of a shared open job up to the cluster's {@code state}: the batches it
     * missed, and the close. Cheap when it has them all: then nothing is read.
     */
    void catchUp(Job job, SharedJobs.State state) {
        if (!job.record().options().open()) {
            return;
        }
        if (state.inputs() > job.knownInputs()) {
            for (SharedJobs.Batch batch : cluster.batches(job.id().value(), job.knownInputs())) {
                appendShared(job, batch);
            }
        }
        if (state.closed()) {
            job.closeShared(state.inputs());
        }
    }

    /** Appends a batch another member (or this one) numbered to this member's copy of its open job. */
    void appendShared(Job job, SharedJobs.Batch batch) {
        job.appendShared(batch.first(), specs.readInputs(batch.inputs()));
    }

    /** This member's copies of the shared jobs that have not ended here. */
    List<Job> sharedLive() {
        List<Job> shared = new ArrayList<>();
        for (Job job : live.all()) {
            if (job.isShared()) {
                shared.add(job);
            }
        }
        return shared;
    }

    /** The job with this id on this member, if it has one. */
    Optional<Job> find(String id) {
        return JobId.parse(id).flatMap(registry::find);
    }

    SharedChunkMetrics chunkMetrics() {
        return chunkMetrics;
    }

    private void admit(AdmissionPolicy.Demand demand) {
        AdmissionPolicy.Load load = new AdmissionPolicy.Load(engine.queuedItems() + admittedNotStarted.sum(),
                engine.itemsPerSecond(), live::load);
        for (AdmissionPolicy policy : admission) {
            policy.admit(demand, load);
        }
    }

    private void refuseWhileStopping(String advice) {
        if (stopping) {
            throw new JobpoolException(Refusal.SHUTTING_DOWN, "the service is shutting down; " + advice);
        }
    }

    /**
     * The tenant's job with this id. Another tenant's job is "not found", exactly like a job that does
     * not exist, so that ids cannot be probed across tenants.
     */
    public Job get(String tenant, String id) {
        return JobId.parse(id).flatMap(this::findHereOrInCluster).filter(job -> job.tenant().equals(tenant))
                .orElseThrow(() -> new JobpoolException(Refusal.JOB_NOT_FOUND, "no job has the id '" + id
                        + "'; it may never have existed or its retention ended"));
    }

    /** A job this member has, or one another member shared a moment ago, before the news of it came here. */
    private Optional<Job> findHereOrInCluster(JobId id) {
        Optional<Job> here = registry.find(id);
        if (here.isPresent() || cluster == null) {
            return here;
        }
        cluster.find(id.value()).ifPresent(this::adopt);
        return registry.find(id);
    }

    public JobRegistry.Page list(String tenant, JobState state, int offset, int limit) {
        return registry.list(tenant, state, offset, limit);
    }

    /** Cancels a job that has not ended; a job that has ended is a conflict. */
    public Job cancel(String tenant, String id) {
        Job job = get(tenant, id);
        lifecycle(job, "cancel-requested").log("Job {} cancel requested: tenant={}", job.id(), tenant);
        if (!job.cancel() && job.state().isTerminal()) {
            throw new JobpoolException(Refusal.JOB_STATE_CONFLICT, "job " + id + " has already ended as "
                    + job.state() + "; only queued or running jobs can be cancelled");
        }
        job.whenEnded().join();
        return job;
    }

    /**
     * Appends a batch of inputs to an open job; returns the index of the first. The batch counts against
     * the admission policies like a submission does, and against the job's own bound.
     */
    public int append(String tenant, String id, List<?> batch) {
        Job job = get(tenant, id);
        if (batch.size() > settings.maxItemsPerJob()) {
            throw new JobpoolException(Refusal.PAYLOAD_TOO_LARGE, "the batch has " + batch.size()
                    + " inputs; at most " + settings.maxItemsPerJob() + " are allowed per request");
        }
        try {
            if (job.isShared()) {
                return appendToCluster(tenant, job, batch);
            }
            synchronized (submissions) {
                refuseWhileStopping("it takes no more inputs");
                admit(new AdmissionPolicy.Demand(tenant, batch.size(), false));
                return job.append(batch);
            }
        } catch (JobpoolException e) {
            metrics.rejected(e.refusal());
            throw e;
        }
    }

    /**
     * Appends a batch to a shared open job: the cluster numbers it after every batch appended through any
     * member and bounds the job's pending inputs over all of them; this member's copy has it at once, the
     * others when they hear of it.
     */
    private int appendToCluster(String tenant, Job job, List<?> batch) {
        job.requireAppendable(batch.size());
        synchronized (submissions) {
            refuseWhileStopping("it takes no more inputs");
            admit(new AdmissionPolicy.Demand(tenant, batch.size(), false));
            admittedNotStarted.add(batch.size()); // queued meanwhile, for the next request's admission
        }
        try {
            SharedJobs.Appending appended;
            try {
                appended = cluster.append(job.id().value(), specs.writeInputs(batch), batch.size(), job.record().maxPending());
            } catch (RuntimeException e) {
                throw notTaken(job, "batch", e);
            }
            if (appended.accepted()) {
                job.appendShared(appended.first(), batch);
                return appended.first();
            }
            if (appended.closed() || appended.ending() != null) {
                throw job.noMoreInputs();
            }
            throw job.overBound(appended.pending(), batch.size());
        } finally {
            admittedNotStarted.add(-batch.size());
        }
    }

    /** The 503 of a batch or a close of a shared job that the cluster could not take: the client retries. */
    private static JobpoolException notTaken(Job job, String what, RuntimeException cause) {
        log.warn("Job {}: the cluster did not take its {}", job.id(), what, cause);
        return new JobpoolException(Refusal.SHUTTING_DOWN, "the cluster did not take the " + what + ": "
                + cause.getMessage() + "; retry later");
    }

    /** Closes an open job: it finishes once the inputs it has are done. */
    public Job close(String tenant, String id) {
        Job job = get(tenant, id);
        if (job.isShared()) {
            job.requireClosable();
            int total;
            try {
                total = cluster.close(job.id().value());
            } catch (RuntimeException e) {
                throw notTaken(job, "close", e);
            }
            if (total < 0) {
                throw new JobpoolException(Refusal.JOB_STATE_CONFLICT, "job " + id + " was closed or has ended already");
            }
            job.closeShared(total);
        } else {
            job.closeInputs();
        }
        lifecycle(job, "closed").log("Job {} closed: no more inputs", job.id());
        return job;
    }

    public PoolStatus pool() {
        return new PoolStatus(engine.workers(), engine.ioWorkers(), engine.busy(), engine.ioBusy(),
                engine.queuedItems(), settings.maxQueuedItems(), engine.activeTasks(), engine.itemsPerSecond());
    }

    private void ended(Job job) {
        if (job.isShared()) {
            endEverywhere(job);
        }
        live.remove(job);
        metrics.ended(job.record());
        JobRecord record = job.record();
        lifecycle(job, "ended").addKeyValue("state", record.state().name()).addKeyValue("completed", record.completed())
                .addKeyValue("failed", record.failed())
                .log("Job {} ended: state={} completed={} failed={}", job.id(), record.state(), record.completed(),
                        record.failed());
        for (Job evicted : retention.ended(job)) {
            if (evicted.isShared() && !stoppedHere(evicted.record())) {
                // every member holds every job, so each is over its budget with the same jobs: the cluster's
                // copy goes too, and the maps hold no more results than a member's budget. Not at once: a
                // member that has not applied the job's last chunks yet reads them within the grace. Not a
                // job this member stopped with: it goes on on the others, which need the cluster's copy
                try {
                    cluster.expire(evicted.id().value(), EVICTED_GRACE);
                } catch (RuntimeException e) {
                    log.warn("Job {}: dropping it from the cluster failed; it goes at the end of its retention: {}",
                            evicted.id(), e.toString());
                }
            }
        }
    }

    /**
     * A shared job ended here: an ending that is a decision (cancelled, failed, timed out) is told to the
     * other members, and the cluster forgets the job after the retention. A member that stops is not a
     * decision: the job goes on elsewhere.
     */
    private void endEverywhere(Job job) {
        JobRecord record = job.record();
        if (stoppedHere(record)) {
            return;
        }
        try {
            SharedJobs.Ending ending = endingOf(record);
            if (ending != null) {
                cluster.end(record.id().value(), ending);
            }
            cluster.expire(record.id().value(), settings.retention());
        } catch (RuntimeException e) {
            log.warn("Job {}: telling the cluster of its end failed: {}", job.id(), e.toString());
        }
    }

    /** How long the cluster keeps a job a member evicted for its results budget: the others catch up meanwhile. */
    static final Duration EVICTED_GRACE = Duration.ofMinutes(1);

    /** A job that ended only because this member stopped: not a decision, it goes on elsewhere. */
    private static boolean stoppedHere(JobRecord record) {
        return record.error() != null && "ServiceStopped".equals(record.error().type());
    }

    private static SharedJobs.Ending endingOf(JobRecord record) {
        JobError error = record.error();
        return switch (record.state()) {
            case CANCELLED -> new SharedJobs.Ending(TaskOutcome.Kind.CANCELLED, -1, error.type(), error.message());
            case FAILED -> new SharedJobs.Ending(TaskOutcome.Kind.ITEM_FAILED, error.index() == null ? -1 : error.index(),
                    error.type(), error.message());
            case TIMED_OUT -> new SharedJobs.Ending("IdleTimeout".equals(error.type()) ? TaskOutcome.Kind.IDLE_TIMED_OUT
                    : TaskOutcome.Kind.TIMED_OUT, -1, error.type(), error.message());
            default -> null;
        };
    }

    /** Ends this member's copy of a shared job as another member decided; nothing if it has ended here. */
    void endAsDecided(String id, SharedJobs.Ending ending) {
        Job job = find(id).orElse(null);
        TaskRun run = job == null ? null : job.run();
        if (run == null) {
            return;
        }
        switch (ending.kind()) {
            case CANCELLED -> run.cancel();
            case ITEM_FAILED -> run.finish(new TaskOutcome.ItemFailed(ending.index(), ending.type(), ending.message()));
            case TIMED_OUT -> run.finish(new TaskOutcome.TimedOut(false));
            case IDLE_TIMED_OUT -> run.finish(new TaskOutcome.TimedOut(true));
            default -> log.warn("Job {}: the cluster ended it as {}, which this member does not take from others", id,
                    ending.kind());
        }
    }

    /**
     * Drops finished jobs whose retention has passed, and ends open jobs that got no input for longer
     * than the idle timeout (as {@code TIMED_OUT}, error type {@code IdleTimeout}: their producer is gone).
     */
    public void evictExpired() {
        Instant now = clock.instant();
        idempotencyKeys.forgetOlderThan(now.minus(settings.retention()));
        retention.sweep(now);
        Instant idleCutoff = now.minus(settings.openIdleTimeout());
        for (Job job : live.all()) {
            if (job.state() == JobState.OPEN && job.lastInputAt().isBefore(idleCutoff) && expireIdle(job)) {
                lifecycle(job, "expired").log("Job {} expired: no input for {}", job.id(), settings.openIdleTimeout());
            }
        }
    }

    /**
     * Ends an open job idle too long; a shared one only if the cluster agrees that no batch came through
     * any member meanwhile (this member may not have heard of the last one yet).
     */
    private boolean expireIdle(Job job) {
        if (job.isShared()) {
            try {
                if (!cluster.endIdle(job.id().value(), settings.openIdleTimeout(), new SharedJobs.Ending(
                        TaskOutcome.Kind.IDLE_TIMED_OUT, -1, "IdleTimeout", "no input for " + settings.openIdleTimeout()))) {
                    return false;
                }
            } catch (RuntimeException e) {
                log.warn("Job {}: ending it as idle in the cluster failed; trying again at the next sweep: {}", job.id(),
                        e.toString());
                return false;
            }
        }
        return job.expire();
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

    static LoggingEventBuilder lifecycle(LoggingEventBuilder line, Job job, String event) {
        return line.addKeyValue("jobId", job.id().value()).addKeyValue("tenant", job.tenant()).addKeyValue("jobEvent", event);
    }

    /** New submissions are refused from now on; jobs already accepted go on. */
    public void stopAccepting() {
        stopping = true;
    }
}
