package io.jobpool.job;

import io.jobpool.execution.RunOptions;

import java.time.Instant;

/**
 * What is known about a job, as plain immutable data: what was submitted, by whom, where it is in its
 * life, its final counts and why it did not succeed. Every change makes a new record through one of the
 * transitions below, each checked against {@link JobState}'s table: a record in a terminal state can
 * never change again. This is the part of a job a cluster would store and replicate; the local
 * machinery of a running job (its engine run, inputs, watchers) lives in {@link Job}.
 *
 * @param function   the catalog function's name ({@code cel} for an expression)
 * @param expression the CEL expression, or {@code null} for a catalog function
 * @param maxPending for an open job, its bound on unprocessed inputs (the option, or the service's default)
 * @param completed  items done (values and errors) when the job ended; 0 before: live counts come from its run
 * @param failed     of those, items that ended with an error
 * @param error      why the job did not succeed, or {@code null}
 */
public record JobRecord(JobId id, String tenant, String function, String expression, RunOptions options, int maxPending,
                        JobState state, Instant createdAt, Instant startedAt, Instant finishedAt, long completed,
                        long failed, JobError error) {

    /** A new job: {@code OPEN} if its inputs keep arriving, otherwise {@code QUEUED}. */
    static JobRecord submitted(JobId id, String tenant, String function, JobSpec spec, int maxPending, Instant now) {
        return new JobRecord(id, tenant, function, spec.expression(), spec.options(), maxPending,
                spec.options().open() ? JobState.OPEN : JobState.QUEUED, now, null, null, 0, 0, null);
    }

    /**
     * Its first chunk started: a queued job runs, an open job stays open. Only the first report counts
     * (an ended job has a start already, so a report that comes after the end changes nothing).
     */
    JobRecord started(Instant now) {
        if (startedAt != null) {
            return this;
        }
        if (state == JobState.OPEN) {
            return with(JobState.OPEN, now, null, 0, 0, null);
        }
        return moveTo(JobState.RUNNING).with(JobState.RUNNING, now, null, 0, 0, null);
    }

    /** An open job takes no more inputs: it runs (or waits to) like any other job. */
    JobRecord closed() {
        JobState next = startedAt == null ? JobState.QUEUED : JobState.RUNNING;
        return moveTo(next).with(next, startedAt, null, 0, 0, null);
    }

    /** The job reached {@code terminal}; a job that never started counts as started when it ended. */
    JobRecord ended(JobState terminal, JobError cause, long completed, long failed, Instant now) {
        if (!terminal.isTerminal()) {
            throw new IllegalArgumentException(terminal + " is not a terminal state");
        }
        return moveTo(terminal).with(terminal, startedAt == null ? now : startedAt, now, completed, failed, cause);
    }

    /** This record, if the table allows the move; an illegal move is a bug, never a client's error. */
    private JobRecord moveTo(JobState to) {
        if (!state.canMoveTo(to)) {
            throw new IllegalStateException("job " + id + " cannot move from " + state + " to " + to);
        }
        return this;
    }

    private JobRecord with(JobState state, Instant startedAt, Instant finishedAt, long completed, long failed, JobError error) {
        return new JobRecord(id, tenant, function, expression, options, maxPending, state, createdAt, startedAt,
                finishedAt, completed, failed, error);
    }
}
