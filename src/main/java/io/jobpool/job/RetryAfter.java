package io.jobpool.job;

/**
 * The one rule for the retry hint of a refusal that waiting cures: the time the backlog needs to drain
 * by {@code excess} items at the rate it drains now, between 1 and {@value #MAX_SECONDS} seconds; 1 s
 * when no rate is known yet (nothing has finished, so no estimate is better than "soon").
 */
final class RetryAfter {

    static final long MAX_SECONDS = 300;

    private RetryAfter() {
    }

    static long toDrain(long excess, double itemsPerSecond) {
        if (itemsPerSecond <= 0) {
            return 1;
        }
        return Math.max(1, Math.min(MAX_SECONDS, (long) Math.ceil(excess / itemsPerSecond)));
    }
}
