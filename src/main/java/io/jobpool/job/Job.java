package io.jobpool.job;

import io.jobpool.execution.ChunkSink;
import io.jobpool.execution.TaskObserver;
import io.jobpool.execution.TaskOutcome;
import io.jobpool.execution.TaskRun;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.concurrent.atomic.LongAdder;
import java.util.function.Consumer;

/**
 * One job on this instance: its {@link JobRecord} (the plain data, replaced whole on every transition)
 * and the local machinery that runs it: the engine's {@link TaskRun}, the inputs (a growing
 * {@link OpenInputs} for an open job), the {@link ResultStore}, and the watchers that streams follow.
 *
 * <p>Threads: request threads read it at any time; workers report into it through its
 * {@link TaskObserver}. Transitions are made under this object's monitor and publish a new record
 * through a {@code volatile} field, so a reader always sees one consistent record. While the job runs,
 * progress is read live from its run; at the end the counts are frozen into the record and the run,
 * which holds the inputs, is let go so that only the results stay in memory.
 */
public final class Job {

    private final Clock clock;
    private final ResultStore results;
    private final ResultEncoder encoder;
    private final Consumer<Job> onEnd;
    private final CompletableFuture<Job> ended = new CompletableFuture<>();
    private final Set<Runnable> watchers = new CopyOnWriteArraySet<>();
    /** A shared job: the chunks committed to this member's copy so far, by start, each applied once. */
    private final Set<Integer> appliedChunks = ConcurrentHashMap.newKeySet();
    private volatile LeasedChunks leased;

    private volatile JobRecord record;
    private volatile List<?> inputs;
    private volatile OpenInputs openInputs;
    private volatile Instant lastInputAt;
    private volatile TaskRun run;
    private boolean cancelBeforeAttach;

    /** @param resultBytes the total its results are added to, with every retained job's ({@link Retention}) */
    Job(JobId id, String tenant, JobSpec spec, String function, int maxPending, Instant createdAt, Clock clock,
        ResultEncoder encoder, LongAdder resultBytes, Consumer<Job> onEnd) {
        this.clock = clock;
        this.record = JobRecord.submitted(id, tenant, function, spec, maxPending, createdAt);
        this.results = new ResultStore(spec.size(), resultBytes);
        if (spec.options().open()) {
            openInputs = new OpenInputs();
            openInputs.append(spec.inputs());
            inputs = openInputs;
            lastInputAt = record.createdAt();
        } else {
            inputs = spec.inputs();
        }
        this.encoder = encoder;
        this.onEnd = onEnd;
    }

    /** Whether the job is shared with the other members of a cluster, each running its chunks. */
    boolean isShared() {
        return leased != null;
    }

    /** How this member claims the chunks of a shared job; {@code null} for a job of its own. */
    LeasedChunks leased() {
        return leased;
    }

    /** The engine's run while the job has not ended here. */
    TaskRun run() {
        return run;
    }

    /** Makes the job a shared one, whose chunks are claimed through {@code chunks}; before it is attached. */
    LeasedChunks share(LeasedChunks chunks) {
        this.leased = chunks;
        return chunks;
    }

    boolean isApplied(int chunkStart) {
        return appliedChunks.contains(chunkStart);
    }

    /**
     * Applies a committed chunk of a shared job, this member's or another's, once: its results go into
     * the store and its counts into the run, which completes when every item is in. An item error with
     * fail-fast on ends the job as failed here, as it does on the member that ran it.
     */
    void applyCommitted(int start, byte[] bytes) {
        TaskRun live = run;
        if (live == null || !appliedChunks.add(start)) {
            return;
        }
        markStarted();
        ResultStore.Writer writer = results.writer(start, encoder);
        ChunkResults.Counts counts = ChunkResults.read(bytes, start, writer);
        if (!state().isTerminal()) {
            writer.flush();
        }
        ItemError error = counts.firstError();
        if (error != null && record.options().failFast()) {
            live.finish(new TaskOutcome.ItemFailed(error.index(), error.type(), error.message()));
        }
        live.counted(counts.succeeded(), counts.failed());
    }

    private void markStarted() {
        if (record.startedAt() != null) {
            return;
        }
        synchronized (this) {
            record = record.started(clock.instant());
        }
        changed();
    }

    /** The job's data as of now; a later transition makes a new record, this one never changes. */
    public JobRecord record() {
        return record;
    }

    public JobId id() {
        return record.id();
    }

    /** Who owns the job: only this tenant can see or change it. */
    public String tenant() {
        return record.tenant();
    }

    public JobState state() {
        return record.state();
    }

    public ResultStore results() {
        return results;
    }

    /** What the task maps: the submitted list, or the growing list of an open job. Released when it ends. */
    List<?> inputs() {
        return inputs;
    }

    /** When an open job last got inputs (or was created). */
    Instant lastInputAt() {
        return lastInputAt;
    }

    public Progress progress() {
        JobRecord now = record;
        TaskRun live = run;
        long completed = live != null ? live.completed() : now.completed();
        long failed = live != null ? live.failed() : now.failed();
        Instant from = now.startedAt();
        Instant to = now.finishedAt() != null ? now.finishedAt() : clock.instant();
        double seconds = from == null ? 0 : Duration.between(from, to).toNanos() / 1e9;
        return new Progress(results.size(), completed, Math.min(failed, completed), seconds, now.state().isTerminal());
    }

    /**
     * Appends a batch to an open job and returns the index of its first input. Refused as a conflict
     * once the job is closed or ended, and as overloaded while it holds more unprocessed inputs than its bound.
     */
    int append(List<?> batch) {
        synchronized (this) {
            JobRecord now = record;
            if (!now.options().open()) {
                throw conflict("job " + now.id() + " is not open: only jobs submitted with \"open\": true take more inputs");
            }
            if (now.state() != JobState.OPEN) {
                throw conflict("job " + now.id() + " is " + (now.state().isTerminal() ? "already " + now.state() : "closed")
                        + ": it takes no more inputs");
            }
            int bound = now.maxPending();
            if (batch.size() > bound) {
                throw new JobpoolException(Refusal.PAYLOAD_TOO_LARGE, "the batch has " + batch.size() + " inputs, more than"
                        + " this job's bound of " + bound + " unprocessed inputs; send smaller batches");
            }
            TaskRun live = run;
            long pending = openInputs.size() - (live == null ? 0 : live.completed());
            long excess = pending + batch.size() - bound;
            if (excess > 0) {
                throw JobpoolException.full(Refusal.OVERLOADED, "job " + now.id() + " has " + pending
                        + " unprocessed inputs; " + batch.size() + " more would pass its bound of " + bound,
                        RetryAfter.toDrain(excess, progress().itemsPerSecond()));
            }
            int first = openInputs.append(batch);
            results.grow(openInputs.size());
            lastInputAt = clock.instant();
            if (live != null) {
                live.inputsAdded();
            }
            return first;
        }
    }

    /** No more inputs: the open job finishes once those it has are done. */
    void closeInputs() {
        TaskRun live;
        synchronized (this) {
            JobRecord now = record;
            if (!now.options().open()) {
                throw conflict("job " + now.id() + " is not open: there is nothing to close");
            }
            if (now.state() != JobState.OPEN) {
                throw conflict("job " + now.id() + " is " + (now.state().isTerminal() ? "already " + now.state() : "closed already"));
            }
            record = now.closed();
            live = run;
        }
        changed();
        if (live != null) {
            live.closeInputs();
        }
    }

    /** Ends an open job that got no input for too long; false if it was not open any more. */
    boolean expire() {
        TaskRun live = run;
        return state() == JobState.OPEN && live != null && live.expire();
    }

    /**
     * Cancels the job; false if it had ended already. A job registered and not yet handed to the engine
     * is cancelled as soon as its run is attached.
     */
    boolean cancel() {
        TaskRun live;
        synchronized (this) {
            live = run;
            if (live == null && !state().isTerminal()) {
                cancelBeforeAttach = true;
                return true;
            }
        }
        return live != null && live.cancel();
    }

    private static JobpoolException conflict(String detail) {
        return new JobpoolException(Refusal.JOB_STATE_CONFLICT, detail);
    }

    /**
     * Calls {@code onChange} whenever the job starts, has more items done, or ends, until the returned
     * handle is closed. It runs on worker threads: it must only hand the news on, never block.
     */
    public Subscription watch(Runnable onChange) {
        watchers.add(onChange);
        return () -> watchers.remove(onChange);
    }

    /** Stops a {@link #watch}. */
    public interface Subscription extends AutoCloseable {
        @Override
        void close();
    }

    private void changed() {
        for (Runnable watcher : watchers) {
            watcher.run();
        }
    }

    /** Completes with this job when it reaches a terminal state. */
    public CompletableFuture<Job> whenEnded() {
        return ended;
    }

    /**
     * Hands the job its engine run. What a client did between the registration and this moment is
     * replayed on the run: a cancel, and for an open job the batches appended (the run may have been
     * left out of the scheduler, having had nothing to do) and the close.
     */
    void attach(TaskRun run) {
        boolean cancel;
        boolean open;
        boolean closed;
        synchronized (this) {
            if (!state().isTerminal()) {
                this.run = run;
            }
            cancel = cancelBeforeAttach;
            open = record.options().open();
            closed = open && record.state() != JobState.OPEN;
        }
        if (cancel) {
            run.cancel();
        }
        if (open) {
            run.inputsAdded();
        }
        if (closed) {
            run.closeInputs();
        }
    }

    /** The engine could not take the job (it is stopping, or the task could not be built): it ends as failed. */
    void failedToStart(RuntimeException cause) {
        if (state().isTerminal()) {
            return;
        }
        end(JobState.FAILED, new JobError("NotStarted", "the job could not be started: " + cause.getMessage(), null), 0, 0);
    }

    TaskObserver observer() {
        return new Observer();
    }

    private void end(JobState terminal, JobError cause, int completed, int failed) {
        synchronized (this) {
            record = record.ended(terminal, cause, completed, failed, clock.instant());
            run = null;
            inputs = null;
            openInputs = null;
        }
        try {
            onEnd.accept(this);
        } finally {
            // whatever the bookkeeping did, waiters (a blocking map, a cancel, streams) learn of the end
            ended.complete(this);
            changed();
        }
    }

    /** Receives the engine's reports; runs on worker threads and on whichever thread ends the task. */
    private final class Observer implements TaskObserver {

        @Override
        public void started() {
            markStarted();
        }

        @Override
        public void progressed() {
            changed();
        }

        @Override
        public ChunkSink chunk(int start) {
            ResultStore.Writer writer = results.writer(start, encoder);
            return new ChunkSink() {
                @Override
                public void succeeded(int index, Object value) {
                    writer.value(index, value);
                }

                @Override
                public void failed(int index, String type, String message) {
                    writer.error(new ItemError(index, type, message));
                }

                @Override
                public void flush() {
                    if (!state().isTerminal()) {
                        int from = writer.unpublished();
                        writer.flush();
                        OpenInputs growing = openInputs;
                        if (growing != null) {
                            growing.release(from, writer.unpublished());
                        }
                    }
                }
            };
        }

        /** Exactly once per task (the engine's promise), so the record's guard never sees a second end. */
        @Override
        public void finished(TaskOutcome outcome, int completed, int failed) {
            switch (outcome.kind()) {
                case COMPLETED -> end(JobState.SUCCEEDED, null, completed, failed);
                case ITEM_FAILED -> {
                    TaskOutcome.ItemFailed failure = (TaskOutcome.ItemFailed) outcome;
                    end(JobState.FAILED, new JobError(failure.type(), failure.message(),
                            failure.index() < 0 ? null : failure.index()), completed, failed);
                }
                case CANCELLED -> end(JobState.CANCELLED, new JobError("Cancelled", "the job was cancelled", null),
                        completed, failed);
                case IDLE_TIMED_OUT -> end(JobState.TIMED_OUT, new JobError("IdleTimeout",
                        "the open job got no input for longer than its idle timeout and was never closed", null),
                        completed, failed);
                case TIMED_OUT -> end(JobState.TIMED_OUT, new JobError("TimedOut", "the job did not finish within its"
                        + " timeout of " + record.options().timeout(), null), completed, failed);
                case STOPPED -> end(JobState.CANCELLED, new JobError("ServiceStopped",
                        "the service stopped before the job finished", null), completed, failed);
            }
        }
    }
}
