package io.jobpool.job;

/**
 * Where a job is in its life: {@code QUEUED -> RUNNING -> SUCCEEDED | FAILED | CANCELLED | TIMED_OUT};
 * an open job is {@code OPEN} (its items run as they arrive) until it is closed.
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
}
