package io.jobpool.job;

import io.jobpool.execution.TaskOutcome;
import io.jobpool.execution.TaskRun;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.time.Duration;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

/**
 * Keeps this member's copy of every shared job up to date: adopts the jobs other members share, applies
 * the chunks any member commits and the batches appended to open jobs through any member (and their
 * close), ends a job as another member decided, and after a member's loss wakes
 * the jobs whose chunks it held (settling as {@code WorkerLost} those lost too often). News comes as
 * events and may be lost with the member that sent it, so every {@value #SWEEP_MILLIS} ms each live job is
 * also compared with the cluster's state, and after a loss every shared job is looked for again.
 *
 * <p>Everything runs on one thread of its own, never on the cluster's event threads: applying a chunk
 * reads its results from another member.
 */
public final class JobReplication implements SharedJobs.Listener, AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(JobReplication.class);
    static final long SWEEP_MILLIS = 1_000;

    private final JobService jobs;
    private final SharedJobs cluster;
    private final ScheduledExecutorService thread = Executors.newSingleThreadScheduledExecutor(runnable -> {
        Thread replication = new Thread(runnable, "jobpool-replication");
        replication.setDaemon(true);
        return replication;
    });

    public JobReplication(JobService jobs, SharedJobs cluster) {
        this.jobs = jobs;
        this.cluster = cluster;
        cluster.listen(this);
        run(this::adoptAll);
        thread.scheduleWithFixedDelay(this::sweep, SWEEP_MILLIS, SWEEP_MILLIS, TimeUnit.MILLISECONDS);
    }

    @Override
    public void shared(SharedJobs.SharedJob job) {
        run(() -> jobs.adopt(job));
    }

    @Override
    public void committed(SharedJobs.Committed chunk) {
        run(() -> jobs.find(chunk.job()).ifPresent(job -> apply(job, chunk)));
    }

    @Override
    public void appended(SharedJobs.Batch batch) {
        run(() -> jobs.find(batch.job()).ifPresent(job -> jobs.appendShared(job, batch)));
    }

    @Override
    public void closed(String job, int total) {
        run(() -> jobs.find(job).ifPresent(copy -> copy.closeShared(total)));
    }

    @Override
    public void ended(String job, SharedJobs.Ending ending) {
        run(() -> jobs.endAsDecided(job, ending));
    }

    @Override
    public void memberLost(String member) {
        run(() -> {
            for (SharedJobs.Lease lease : cluster.release(member)) {
                settleLost(lease);
            }
            adoptAll(); // a job shared by the lost member just before it went may not have been heard of
            for (Job job : jobs.sharedLive()) {
                TaskRun run = job.run();
                if (run != null) {
                    run.claimable();
                }
            }
        });
    }

    private void run(Runnable task) {
        try {
            thread.execute(() -> {
                try {
                    task.run();
                } catch (RuntimeException e) {
                    log.warn("Keeping this member's copy of the cluster's jobs failed once: {}", e.toString(), e);
                }
            });
        } catch (java.util.concurrent.RejectedExecutionException e) {
            // closed: the member is leaving
        }
    }

    /** Adopts the shared jobs this member has no copy of; only those are read, inputs and all. */
    private void adoptAll() {
        for (String id : cluster.ids()) {
            if (jobs.find(id).isEmpty()) {
                cluster.find(id).ifPresent(jobs::adopt);
            }
        }
    }

    private void apply(Job job, SharedJobs.Committed chunk) {
        if (job.isApplied(chunk.start())) {
            return;
        }
        cluster.results(chunk).ifPresentOrElse(bytes -> applyKnown(job, chunk.start(), chunk.end(), bytes),
                () -> log.warn("Job {}: the results of committed chunk [{}, {}) are missing", job.id(), chunk.start(), chunk.end()));
    }

    /**
     * Applies a committed chunk, after reading the batches of an open job it lies in if this member has not
     * heard of them yet; if they are still missing, a later sweep applies it.
     */
    private void applyKnown(Job job, int start, int end, byte[] results) {
        if (!job.applyCommitted(start, end, results)) {
            jobs.catchUp(job, cluster.state(job.id().value()));
            job.applyCommitted(start, end, results);
        }
    }

    /** A chunk whose members were lost too often: its items fail, so that the job ends instead of the cluster. */
    private void settleLost(SharedJobs.Lease lease) {
        byte[] failed = ChunkResults.allFailed(lease.start(), lease.end(), "WorkerLost", "the members running this item's"
                + " chunk were lost " + SharedJobs.MAX_ATTEMPTS + " times; it is not run again");
        boolean won;
        try {
            won = cluster.commit(lease, failed);
        } catch (RuntimeException e) {
            // this member holds the chunk and nobody else will settle it: try again at the next sweep
            log.warn("Job {}: failing chunk [{}, {}) as WorkerLost failed; trying again: {}", lease.job(), lease.start(),
                    lease.end(), e.toString());
            unsettled.add(lease);
            return;
        }
        if (won) {
            jobs.chunkMetrics().lost();
            log.warn("Job {}: chunk [{}, {}) failed as WorkerLost: its members were lost {} times", lease.job(),
                    lease.start(), lease.end(), SharedJobs.MAX_ATTEMPTS);
            jobs.find(lease.job()).ifPresent(job -> applyKnown(job, lease.start(), lease.end(), failed));
        }
    }

    /** Members gone but holding chunks, as the last sweep and this one found them; on the replication thread only. */
    private Set<String> goneBefore = new HashSet<>();
    private Set<String> gonePreviously = new HashSet<>();
    /** Chunks this member holds to fail as {@code WorkerLost} whose commit failed: retried by the sweep. */
    private final List<SharedJobs.Lease> unsettled = new ArrayList<>();

    /** Compares each live job with the cluster's state: what an event missed is caught up here. */
    private void sweep() {
        goneBefore = gonePreviously;
        gonePreviously = new HashSet<>();
        List<SharedJobs.Lease> retry = new ArrayList<>(unsettled);
        unsettled.clear();
        retry.forEach(this::settleLost);
        try {
            for (Job job : jobs.sharedLive()) {
                SharedJobs.State state = cluster.state(job.id().value());
                boolean released = false;
                for (String gone : state.goneHolders()) {
                    gonePreviously.add(gone);
                    // seen gone in two sweeps (not a member that joined a moment ago, before this one heard of it):
                    // its loss was heard of when the cluster could not act on it (below the quorum); act now
                    if (goneBefore.contains(gone)) {
                        log.warn("Job {}: member {} is gone but still held chunks; taking them back", job.id(), gone);
                        for (SharedJobs.Lease lease : cluster.release(gone)) {
                            settleLost(lease);
                        }
                        released = true;
                    }
                }
                if (released) {
                    state = cluster.state(job.id().value());
                }
                jobs.catchUp(job, state);
                for (SharedJobs.Committed chunk : state.committed()) {
                    apply(job, chunk);
                }
                if (state.ending() != null) {
                    jobs.endAsDecided(job.id().value(), state.ending());
                }
                TaskRun run = job.run();
                if (state.claimable() && run != null) {
                    run.claimable();
                }
            }
        } catch (RuntimeException e) {
            log.warn("Comparing this member's jobs with the cluster failed: {}", e.toString());
        }
    }

    /**
     * Leaves the cluster's jobs: no more claims, the chunks running here get up to {@code grace} to be
     * committed, what this member still holds goes back unchanged for others to claim, and its copies end
     * here (the jobs go on elsewhere).
     */
    public void leave(Duration grace) {
        thread.shutdownNow();
        List<Job> shared = jobs.sharedLive();
        for (Job job : shared) {
            job.leased().leave();
        }
        long deadline = System.nanoTime() + grace.toNanos();
        try {
            while (shared.stream().anyMatch(JobReplication::running) && System.nanoTime() < deadline) {
                Thread.sleep(20);
            }
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        try {
            cluster.releaseOwn();
        } catch (RuntimeException e) {
            log.warn("Handing this member's chunks back to the cluster failed; they run again once it is gone: {}",
                    e.toString());
        }
        for (Job job : shared) {
            TaskRun run = job.run();
            if (run != null) {
                run.finish(new TaskOutcome.Stopped());
            }
        }
        if (!shared.isEmpty()) {
            log.info("Left {} shared job(s) to the other members of the cluster", shared.size());
        }
    }

    private static boolean running(Job job) {
        TaskRun run = job.run();
        return run != null && run.runningChunks() > 0;
    }

    @Override
    public void close() {
        thread.shutdownNow();
    }
}
