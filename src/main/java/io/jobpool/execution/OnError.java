package io.jobpool.execution;

/** What an item failure does to its job. */
public enum OnError {
    /** Like {@code Pool.map}: the first failure fails the job and cancels the rest. */
    FAIL,
    /** Every item gets a value or an error; the job succeeds. */
    CONTINUE
}
