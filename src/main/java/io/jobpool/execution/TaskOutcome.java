package io.jobpool.execution;

/** How a task ended. Exactly one outcome is reported per task. */
public sealed interface TaskOutcome {

    /** Every item has a value or (with fail-fast off) an error. */
    record Completed() implements TaskOutcome {
    }

    /** An item failed with fail-fast on; the rest was cancelled. */
    record ItemFailed(int index, String type, String message) implements TaskOutcome {
    }

    /** Cancelled by a client. */
    record Cancelled() implements TaskOutcome {
    }

    /** The deadline passed first, or, with {@code idle}, an open task got no input for too long. */
    record TimedOut(boolean idle) implements TaskOutcome {
    }

    /** The service stopped before the task could finish. */
    record Stopped() implements TaskOutcome {
    }
}
