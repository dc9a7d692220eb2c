package io.jobpool.api;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.jobpool.execution.RunOptions;
import io.jobpool.job.Job;
import io.jobpool.job.JobError;
import io.jobpool.job.JobRecord;
import io.jobpool.job.JobState;
import io.jobpool.job.Progress;

import java.time.Instant;
import java.util.Locale;

/**
 * A job's status as {@code GET /v1/jobs/{id}} answers it. {@code open} says whether the job takes inputs
 * now (state {@code OPEN}), not how it was submitted: a closed producer/consumer job is not open any more;
 * {@code maxPending} stays on every job submitted as open.
 */
public record JobStatusBody(String id, String state, String function,
                            @JsonInclude(JsonInclude.Include.NON_NULL) String expression, long total, long completed, long failed,
                            double progress, double itemsPerSecond, Double etaSeconds, int priority, String onError,
                            String createdAt, String startedAt, String finishedAt, ErrorBody error, boolean open,
                            @JsonInclude(JsonInclude.Include.NON_NULL) Integer maxPending) {

    /** Why a job did not succeed. */
    public record ErrorBody(String type, String message, Integer index) {

        static ErrorBody of(JobError error) {
            return error == null ? null : new ErrorBody(error.type(), error.message(), error.index());
        }
    }

    static JobStatusBody of(Job job) {
        JobRecord record = job.record();
        Progress progress = job.progress();
        JobState state = record.state();
        RunOptions options = record.options();
        return new JobStatusBody(record.id().value(), state.name(), record.function(), record.expression(), progress.total(),
                progress.completed(), progress.failed(), round(progress.fraction()), round(progress.itemsPerSecond()),
                state.isTerminal() || state == JobState.OPEN ? null : roundOrNull(progress.etaSeconds()), options.priority(),
                options.onError().name().toLowerCase(Locale.ROOT), text(record.createdAt()), text(record.startedAt()),
                text(record.finishedAt()), ErrorBody.of(record.error()), state == JobState.OPEN,
                options.open() ? record.maxPending() : null);
    }

    private static String text(Instant instant) {
        return instant == null ? null : instant.toString();
    }

    private static double round(double value) {
        return Math.round(value * 1000) / 1000.0;
    }

    private static Double roundOrNull(Double value) {
        return value == null ? null : round(value);
    }
}
