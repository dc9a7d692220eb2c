package io.jobpool.job;

/**
 * How far a job is: {@code completed} items have finished (with a value or an error), {@code failed}
 * of them with an error. Rates are over the time the job has been running.
 */
public record Progress(long total, long completed, long failed, double runningSeconds) {

    public Progress {
        if (total < 0 || completed < 0 || failed < 0 || failed > completed) {
            throw new IllegalArgumentException("inconsistent progress " + completed + "/" + total + " failed " + failed);
        }
    }

    /** Completed share, 0..1; an empty job is complete. */
    public double fraction() {
        return total == 0 ? 1.0 : Math.min(1.0, (double) completed / total);
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
