package io.jobpool.job;

/**
 * How far a job is: {@code completed} items have finished (with a value or an error), {@code failed}
 * of them with an error; {@code ended} once the job is terminal. Rates are over the time the job has
 * been running.
 */
public record Progress(long total, long completed, long failed, double runningSeconds, boolean ended) {

    public Progress {
        if (total < 0 || completed < 0 || failed < 0 || failed > completed) {
            throw new IllegalArgumentException("inconsistent progress " + completed + "/" + total + " failed " + failed);
        }
    }

    /**
     * Completed share, 0..1. A job without items is complete once it has ended; before that (an open job
     * waiting for its first inputs) it is at 0, not done.
     */
    public double fraction() {
        if (total == 0) {
            return ended ? 1.0 : 0.0;
        }
        return Math.min(1.0, (double) completed / total);
    }

    public double itemsPerSecond() {
        return runningSeconds <= 0 ? 0 : completed / runningSeconds;
    }

    /** Seconds left at the current rate, or {@code null} while no rate is known. */
    public Double etaSeconds() {
        double rate = itemsPerSecond();
        return rate <= 0 ? null : Math.max(0, total - completed) / rate;
    }
}
