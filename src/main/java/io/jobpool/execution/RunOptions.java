package io.jobpool.execution;

import java.time.Duration;

/**
 * How a job runs, by name: what a client may choose beside the function and the inputs. One record from
 * the request to the engine ({@code JobRequest -> JobSpec -> MapTask}), so a new option is added here and
 * read where it matters, without threading another positional argument through three constructors.
 * Validated on construction; a bad value is an {@link InvalidOptionException} naming the option.
 *
 * @param chunkSize  items per chunk, or {@code null} for adaptive chunks
 * @param onError    what an item failure does to the job (default {@link OnError#FAIL}, like {@code Pool.map})
 * @param retries    extra attempts per failing item, 0..{@value #MAX_RETRIES}
 * @param timeout    the job's deadline from its start, or {@code null} for none; at most {@link #MAX_TIMEOUT}
 * @param priority   1..10, the job's weight in the round-robin: this many chunks per turn
 * @param open       whether inputs keep arriving in batches until the job is closed
 * @param maxPending for an open job, most inputs accepted and not yet processed, or {@code null} for the
 *                   service's default (the engine does not read it: the job layer holds open inputs back)
 */
public record RunOptions(Integer chunkSize, OnError onError, int retries, Duration timeout, int priority, boolean open,
                         Integer maxPending) {

    public static final int DEFAULT_PRIORITY = 5;
    public static final int MAX_CHUNK_SIZE = 1_000_000;
    public static final int MAX_RETRIES = 10;
    public static final Duration MAX_TIMEOUT = Duration.ofDays(1);

    /** Adaptive chunks, fail on the first item error, no retries, no deadline, priority 5, closed. */
    public static final RunOptions DEFAULTS = new RunOptions(null, OnError.FAIL, 0, null, DEFAULT_PRIORITY, false, null);

    public RunOptions {
        onError = onError == null ? OnError.FAIL : onError;
        if (chunkSize != null && (chunkSize < 1 || chunkSize > MAX_CHUNK_SIZE)) {
            throw new InvalidOptionException("chunkSize", "chunkSize must be between 1 and " + MAX_CHUNK_SIZE + ", got " + chunkSize);
        }
        if (retries < 0 || retries > MAX_RETRIES) {
            throw new InvalidOptionException("retries", "retries must be between 0 and " + MAX_RETRIES + ", got " + retries);
        }
        if (timeout != null && (timeout.isNegative() || timeout.isZero() || timeout.compareTo(MAX_TIMEOUT) > 0)) {
            throw new InvalidOptionException("timeout", "timeout must be a positive ISO-8601 duration of at most P1D, got " + timeout);
        }
        if (priority < 1 || priority > 10) {
            throw new InvalidOptionException("priority", "priority must be between 1 and 10, got " + priority);
        }
        if (maxPending != null && !open) {
            throw new InvalidOptionException("maxPending", "maxPending only applies to open jobs (\"open\": true)");
        }
        if (maxPending != null && maxPending < 1) {
            throw new InvalidOptionException("maxPending", "maxPending must be at least 1, got " + maxPending);
        }
    }

    /** Whether the first item failure ends the job ({@code Pool.map}). */
    public boolean failFast() {
        return onError == OnError.FAIL;
    }

    public RunOptions withChunkSize(Integer chunkSize) {
        return new RunOptions(chunkSize, onError, retries, timeout, priority, open, maxPending);
    }

    public RunOptions withOnError(OnError onError) {
        return new RunOptions(chunkSize, onError, retries, timeout, priority, open, maxPending);
    }

    public RunOptions withRetries(int retries) {
        return new RunOptions(chunkSize, onError, retries, timeout, priority, open, maxPending);
    }

    public RunOptions withTimeout(Duration timeout) {
        return new RunOptions(chunkSize, onError, retries, timeout, priority, open, maxPending);
    }

    public RunOptions withPriority(int priority) {
        return new RunOptions(chunkSize, onError, retries, timeout, priority, open, maxPending);
    }

    /** Open (inputs arrive in batches until closed), holding at most {@code maxPending} unprocessed, or the default. */
    public RunOptions asOpen(Integer maxPending) {
        return new RunOptions(chunkSize, onError, retries, timeout, priority, true, maxPending);
    }
}
