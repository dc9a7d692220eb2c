package io.jobpool.job;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;

/**
 * Where a job is in its life, and every move it may make. {@link #next()} is the one table of legal
 * transitions; {@link JobRecord} checks it on each change, so an illegal move throws instead of quietly
 * happening.
 *
 * <pre>
 * from       to                                      when
 * OPEN       QUEUED                                  closed before any chunk started
 * OPEN       RUNNING                                 closed after a chunk started
 * OPEN       FAILED, CANCELLED, TIMED_OUT            an item failed (onError=fail), cancelled, deadline or
 *                                                    idle timeout passed, service stopped
 * QUEUED     RUNNING                                 its first chunk starts
 * QUEUED     SUCCEEDED                               it has no inputs at all
 * QUEUED     FAILED, CANCELLED, TIMED_OUT            as for RUNNING, before any chunk started
 * RUNNING    SUCCEEDED                               every item has a value (or, with onError=continue, an error)
 * RUNNING    FAILED, CANCELLED, TIMED_OUT            an item failed (onError=fail), cancelled or service
 *                                                    stopped, deadline passed
 * SUCCEEDED, FAILED, CANCELLED, TIMED_OUT            terminal: nothing changes after them
 * </pre>
 *
 * An {@code OPEN} job runs its items as they arrive and stays {@code OPEN} while it runs, until it is
 * closed; it cannot succeed before that, since more inputs may come.
 */
public enum JobState {
    QUEUED(false),
    OPEN(false),
    RUNNING(false),
    SUCCEEDED(true),
    FAILED(true),
    CANCELLED(true),
    TIMED_OUT(true);

    private final boolean terminal;

    JobState(boolean terminal) {
        this.terminal = terminal;
    }

    /** Terminal states are final: no result changes after them. */
    public boolean isTerminal() {
        return terminal;
    }

    /** The table itself, built once: state -> the states it may move to. */
    private static final Map<JobState, Set<JobState>> NEXT = new EnumMap<>(Map.of(
            QUEUED, Collections.unmodifiableSet(EnumSet.of(RUNNING, SUCCEEDED, FAILED, CANCELLED, TIMED_OUT)),
            OPEN, Collections.unmodifiableSet(EnumSet.of(QUEUED, RUNNING, FAILED, CANCELLED, TIMED_OUT)),
            RUNNING, Collections.unmodifiableSet(EnumSet.of(SUCCEEDED, FAILED, CANCELLED, TIMED_OUT)),
            SUCCEEDED, Set.of(), FAILED, Set.of(), CANCELLED, Set.of(), TIMED_OUT, Set.of()));

    /** The states this one may move to; empty for a terminal state. */
    public Set<JobState> next() {
        return NEXT.get(this);
    }

    public boolean canMoveTo(JobState to) {
        return NEXT.get(this).contains(to);
    }
}
