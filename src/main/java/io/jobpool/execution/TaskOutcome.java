package io.jobpool.execution;

/** How a task ended. Exactly one outcome is reported per task. */
public sealed interface TaskOutcome {

    /**
     * The kinds of ending, for an exhaustive {@code switch} (Java 17 has no pattern matching in
     * {@code switch}; each record names its kind, so a new ending breaks every switch that misses it).
     */
    enum Kind { COMPLETED, ITEM_FAILED, CANCELLED, TIMED_OUT, IDLE_TIMED_OUT, STOPPED }

    Kind kind();

    /** Every item has a value or (with fail-fast off) an error. */
    record Completed() implements TaskOutcome {
        @Override
        public Kind kind() {
            return Kind.COMPLETED;
        }
    }

    /** An item failed with fail-fast on; the rest was cancelled. */
    record ItemFailed(int index, String type, String message) implements TaskOutcome {
        @Override
        public Kind kind() {
            return Kind.ITEM_FAILED;
        }
    }

    /** Cancelled by a client. */
    record Cancelled() implements TaskOutcome {
        @Override
        public Kind kind() {
            return Kind.CANCELLED;
        }
    }

    /** The deadline passed first, or, with {@code idle}, an open task got no input for too long. */
    record TimedOut(boolean idle) implements TaskOutcome {
        @Override
        public Kind kind() {
            return idle ? Kind.IDLE_TIMED_OUT : Kind.TIMED_OUT;
        }
    }

    /** The service stopped before the task could finish. */
    record Stopped() implements TaskOutcome {
        @Override
        public Kind kind() {
            return Kind.STOPPED;
        }
    }
}
