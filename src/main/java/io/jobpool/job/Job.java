package io.jobpool.job;

import io.jobpool.execution.ChunkSink;
import io.jobpool.execution.TaskObserver;
import io.jobpool.execution.TaskOutcome;
import io.jobpool.execution.TaskRun;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
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
    /** A shared open job: batches that came ahead of one still missing, by first index (this object's monitor). */
    private final TreeMap<Integer, List<?>> early = new TreeMap<>();
    /** A shared open job closed in the cluster: how many inputs it has in all; {@code -1} before (this object's monitor). */
    private int closedAt = -1;
    /** A shared job: chunks committed before its run was attached, applied by {@link #attach} (this object's monitor). */
    private final List<Runnable> committedBeforeAttach = new ArrayList<>();
    private boolean attached;

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
     * Applies a committed chunk {@code [start, end)} of a shared job, this member's or another's, once: its
     * results go into the store and its counts into the run, which completes when every item is in. An
     * item error with fail-fast on ends the job as failed here, as it does on the member that ran it.
     * False if this member does not have the chunk's inputs yet (a batch of an open job it has not heard
     * of): the chunk is applied once it has.
     */
    boolean applyCommitted(int start, int end, byte[] bytes) {
        TaskRun live = run;
        if (end > knownInputs()) {
            return false;
        }
        if (live == null) {
            synchronized (this) {
                if (!attached) {
                    // a chunk this member's worker ran and committed before the submitting thread attached the run
                    committedBeforeAttach.add(() -> applyCommitted(start, end, bytes));
                    return true;
                }
                live = run;
            }
        }
        if (live == null || !appliedChunks.add(start)) {
            return true;
        }
        OpenInputs growing = openInputs;
        if (growing != null) {
            growing.release(start, end); // done: no member runs them again
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
        return true;
    }

    /** How many inputs this member has of the job: for a shared open job, the batches it heard of so far. */
    int knownInputs() {
        return results.size();
    }

    /**
     * Appends a batch the cluster numbered from {@code first} to this member's copy of a shared open job:
     * batches are appended in order, one that comes early waits for those before it, one known already is
     * dropped. Once every input of a job closed in the cluster is here, its run may complete.
     */
    void appendShared(int first, List<?> batch) {
        TaskRun live;
        boolean complete;
        synchronized (this) {
            if (openInputs == null || first < openInputs.size()) {
                return; // ended here, or appended already
            }
            // an empty batch has the index of the batch after it: it must not take that one's place
            early.merge(first, batch, (waiting, came) -> waiting.isEmpty() ? came : waiting);
            Map.Entry<Integer, List<?>> next;
            while ((next = early.firstEntry()) != null && next.getKey() <= openInputs.size()) {
                early.pollFirstEntry();
                if (next.getKey() == openInputs.size()) {
                    openInputs.append(next.getValue());
                }
            }
            results.grow(openInputs.size());
            lastInputAt = clock.instant();
            live = run;
            complete = closedAt >= 0 && openInputs.size() >= closedAt;
        }
        if (live != null) {
            live.inputsAdded();
            if (complete) {
                live.closeInputs();
            }
        }
    }

    /**
     * Closes this member's copy of a shared open job, closed in the cluster with {@code total} inputs: its
     * run completes once those are all here and done. Nothing if it was closed or ended here already.
     */
    void closeShared(int total) {
        TaskRun live;
        boolean complete;
        synchronized (this) {
            if (closedAt >= 0 || record.state() != JobState.OPEN) {
                return;
            }
            closedAt = total;
            record = record.closed();
            live = run;
            complete = openInputs.size() >= total;
        }
        changed();
        if (live != null && complete) {
            live.closeInputs();
        }
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
            requireAppendable(batch.size());
            TaskRun live = run;
            long pending = openInputs.size() - (live == null ? 0 : live.completed());
            if (pending + batch.size() > record.maxPending()) {
                throw overBound(pending, batch.size());
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

    /**
     * Refuses, as a conflict, an append to a job that is not open, or closed or ended; and as too large a
     * batch larger than the job's bound of unprocessed inputs.
     */
    void requireAppendable(int size) {
        JobRecord now = record;
        if (!now.options().open()) {
            throw conflict("job " + now.id() + " is not open: only jobs submitted with \"open\": true take more inputs");
        }
        if (now.state() != JobState.OPEN) {
            throw noMoreInputs();
        }
        if (size > now.maxPending()) {
            throw new JobpoolException(Refusal.PAYLOAD_TOO_LARGE, "the batch has " + size + " inputs, more than"
                    + " this job's bound of " + now.maxPending() + " unprocessed inputs; send smaller batches");
        }
    }

    /** The conflict of an append to a job closed or ended. */
    JobpoolException noMoreInputs() {
        JobRecord now = record;
        return conflict("job " + now.id() + " is " + (now.state().isTerminal() ? "already " + now.state() : "closed")
                + ": it takes no more inputs");
    }

    /** The overload of a batch of {@code size} that would take the job's {@code pending} inputs past its bound. */
    JobpoolException overBound(long pending, int size) {
        JobRecord now = record;
        long excess = pending + size - now.maxPending();
        return JobpoolException.full(Refusal.OVERLOADED, "job " + now.id() + " has " + pending + " unprocessed inputs; "
                + size + " more would pass its bound of " + now.maxPending(), RetryAfter.toDrain(excess,
                progress().itemsPerSecond()));
    }

    /** Refuses, as a conflict, to close a job that is not open, or was closed or ended. */
    void requireClosable() {
        JobRecord now = record;
        if (!now.options().open()) {
            throw conflict("job " + now.id() + " is not open: there is nothing to close");
        }
        if (now.state() != JobState.OPEN) {
            throw conflict("job " + now.id() + " is " + (now.state().isTerminal() ? "already " + now.state() : "closed already"));
        }
    }

    /** No more inputs: the open job finishes once those it has are done. */
    void closeInputs() {
        TaskRun live;
        synchronized (this) {
            requireClosable();
            record = record.closed();
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
     * left out of the scheduler, having had nothing to do) and the close; for a shared job, the chunks
     * committed meanwhile.
     */
    void attach(TaskRun run) {
        boolean cancel;
        boolean open;
        boolean closed;
        List<Runnable> committed;
        synchronized (this) {
            if (!state().isTerminal()) {
                this.run = run;
            }
            attached = true;
            committed = List.copyOf(committedBeforeAttach);
            committedBeforeAttach.clear();
            cancel = cancelBeforeAttach;
            open = record.options().open();
            // a shared open job closed in the cluster is closed for its run once every input is here
            closed = open && record.state() != JobState.OPEN && (closedAt < 0 || openInputs == null
                    || openInputs.size() >= closedAt);
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
        committed.forEach(Runnable::run);
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
