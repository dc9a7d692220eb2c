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
import java.util.concurrent.CopyOnWriteArraySet;
import java.util.function.Consumer;

/**
 * One submitted job: its spec, state, progress and results.
 *
 * <p>Request threads read it at any time; workers report into it through its {@link TaskObserver}.
 * State changes go through this object's monitor (they are rare: start and end), everything read on
 * the hot path is {@code volatile} or lives in the thread-safe {@link ResultStore}. While the job
 * runs, progress is read live from its {@link TaskRun}; at the end the counts are frozen here and the
 * run, which holds the inputs, is let go so that only the results stay in memory.
 */
public final class Job {

    private final JobId id;
    private final String tenant;
    private final String function;
    private final String expression;
    private final int priority;
    private final OnError onError;
    private final Duration timeout;
    private final boolean open;
    private volatile List<?> inputs;
    private volatile OpenInputs openInputs;
    private final int maxPending;
    private volatile Instant lastInputAt;
    private final Instant createdAt;
    private final Clock clock;
    private final ResultStore results;
    private final ResultEncoder encoder;
    private final Consumer<Job> onEnd;
    private final CompletableFuture<Job> ended = new CompletableFuture<>();
    private final Set<Runnable> watchers = new CopyOnWriteArraySet<>();

    private volatile JobState state = JobState.QUEUED;
    private volatile Instant startedAt;
    private volatile Instant finishedAt;
    private volatile JobError error;
    private volatile TaskRun run;
    private volatile long finalCompleted;
    private volatile long finalFailed;

    Job(JobId id, String tenant, JobSpec spec, String function, int maxPending, Clock clock, ResultEncoder encoder, Consumer<Job> onEnd) {
        this.id = id;
        // not the spec itself: it holds the inputs, which only the running task needs
        this.tenant = tenant;
        this.function = function;
        this.expression = spec.expression();
        this.priority = spec.priority();
        this.onError = spec.onError();
        this.timeout = spec.timeout();
        this.clock = clock;
        this.createdAt = clock.instant();
        this.results = new ResultStore(spec.size());
        this.maxPending = maxPending;
        this.open = spec.open();
        if (open) {
            openInputs = new OpenInputs();
            openInputs.append(spec.inputs());
            inputs = openInputs;
            state = JobState.OPEN;
            lastInputAt = createdAt;
        } else {
            openInputs = null;
            inputs = spec.inputs();
        }
        this.encoder = encoder;
        this.onEnd = onEnd;
    }

    public JobId id() {
        return id;
    }

    /** Who owns the job: only this tenant can see or change it. */
    public String tenant() {
        return tenant;
    }

    public String function() {
        return function;
    }

    /** The CEL expression the job maps, or {@code null} when it names a catalog function. */
    public String expression() {
        return expression;
    }

    public int priority() {
        return priority;
    }

    public OnError onError() {
        return onError;
    }

    public JobState state() {
        return state;
    }

    public Instant createdAt() {
        return createdAt;
    }

    public Instant startedAt() {
        return startedAt;
    }

    public Instant finishedAt() {
        return finishedAt;
    }

    /** Why the job did not succeed, or {@code null}. */
    public JobError error() {
        return error;
    }

    /** What the task maps: the submitted list, or the growing list of an open job. Released when it ends. */
    List<?> inputs() {
        return inputs;
    }

    public boolean isOpen() {
        return open;
    }

    /** For an open job: most inputs it holds unprocessed before a batch is refused with 429. */
    public int maxPending() {
        return maxPending;
    }

    /** When an open job last got inputs (or was created). */
    Instant lastInputAt() {
        return lastInputAt;
    }

    /**
     * Appends a batch to an open job and returns the index of its first input. Refused with 409 once the
     * job is closed or ended, and with 429 while it holds more unprocessed inputs than its bound.
     */
    int append(List<?> batch) {
        synchronized (this) {
            if (!open) {
                throw conflict("job " + id + " is not open: only jobs submitted with \"open\": true take more inputs");
            }
            if (state != JobState.OPEN) {
                throw conflict("job " + id + " is " + (state.isTerminal() ? "already " + state : "closed")
                        + ": it takes no more inputs");
            }
            if (batch.size() > maxPending) {
                throw new JobpoolException(ProblemType.PAYLOAD_TOO_LARGE, "the batch has " + batch.size()
                        + " inputs, more than this job's bound of " + maxPending + " unprocessed inputs; send smaller batches",
                        null, null);
            }
            TaskRun live = run;
            long pending = openInputs.size() - (live == null ? 0 : live.completed());
            if (pending + batch.size() > maxPending) {
                double rate = progress().itemsPerSecond();
                long retryAfter = rate > 0 ? Math.max(1, Math.min(60, (long) Math.ceil((pending + batch.size() - maxPending) / rate))) : 1;
                throw new JobpoolException(ProblemType.OVERLOADED, "job " + id + " has " + pending
                        + " unprocessed inputs; " + batch.size() + " more would pass its bound of " + maxPending
                        + ". Retry after " + retryAfter + " s", null, retryAfter);
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
            if (!open) {
                throw conflict("job " + id + " is not open: there is nothing to close");
            }
            if (state != JobState.OPEN) {
                throw conflict("job " + id + " is " + (state.isTerminal() ? "already " + state : "closed already"));
            }
            state = startedAt == null ? JobState.QUEUED : JobState.RUNNING;
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
        return state == JobState.OPEN && live != null && live.expire();
    }

    private JobpoolException conflict(String detail) {
        return new JobpoolException(ProblemType.JOB_STATE_CONFLICT, detail);
    }

    public ResultStore results() {
        return results;
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

    public Progress progress() {
        TaskRun live = run;
        long completed = live != null ? live.completed() : finalCompleted;
        long failed = live != null ? live.failed() : finalFailed;
        Instant from = startedAt;
        Instant to = finishedAt != null ? finishedAt : clock.instant();
        double seconds = from == null ? 0 : Duration.between(from, to).toNanos() / 1e9;
        return new Progress(results.size(), completed, Math.min(failed, completed), seconds, state.isTerminal());
    }

    void attach(TaskRun run) {
        synchronized (this) {
            if (!state.isTerminal()) {
                this.run = run;
            }
        }
    }

    /** Cancels the job; false if it had ended already. */
    boolean cancel() {
        TaskRun live = run;
        return live != null && live.cancel();
    }

    TaskObserver observer() {
        return new Observer();
    }

    private void end(JobState terminal, JobError cause, int completed, int failed) {
        synchronized (this) {
            if (state.isTerminal()) {
                return;
            }
            finalCompleted = completed;
            finalFailed = failed;
            finishedAt = clock.instant();
            if (startedAt == null) {
                startedAt = finishedAt;
            }
            error = cause;
            state = terminal;
            run = null;
            inputs = null;
            openInputs = null;
        }
        onEnd.accept(this);
        ended.complete(this);
        changed();
    }

    /** Receives the engine's reports; runs on worker threads and on whichever thread ends the task. */
    private final class Observer implements TaskObserver {

        @Override
        public void started() {
            synchronized (Job.this) {
                if (startedAt == null) {
                    startedAt = clock.instant();
                }
                if (state == JobState.QUEUED) {
                    state = JobState.RUNNING;
                }
            }
            changed();
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
                    if (!state.isTerminal()) {
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

        @Override
        public void finished(TaskOutcome outcome, int completed, int failed) {
            if (outcome instanceof TaskOutcome.Completed) {
                end(JobState.SUCCEEDED, null, completed, failed);
            } else if (outcome instanceof TaskOutcome.ItemFailed failure) {
                end(JobState.FAILED, new JobError(failure.type(), failure.message(),
                        failure.index() < 0 ? null : failure.index()), completed, failed);
            } else if (outcome instanceof TaskOutcome.Cancelled) {
                end(JobState.CANCELLED, new JobError("Cancelled", "the job was cancelled", null), completed, failed);
            } else if (outcome instanceof TaskOutcome.TimedOut timedOut && timedOut.idle()) {
                end(JobState.TIMED_OUT, new JobError("IdleTimeout",
                        "the open job got no input for longer than its idle timeout and was never closed", null), completed, failed);
            } else if (outcome instanceof TaskOutcome.TimedOut) {
                end(JobState.TIMED_OUT, new JobError("TimedOut",
                        "the job did not finish within its timeout of " + timeout, null), completed, failed);
            } else {
                end(JobState.CANCELLED, new JobError("ServiceStopped",
                        "the service stopped before the job finished", null), completed, failed);
            }
        }
    }
}
