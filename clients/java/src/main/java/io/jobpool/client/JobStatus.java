package io.jobpool.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** A job's status as the service reports it; {@code error} is set when it did not succeed. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record JobStatus(String id, String state, String function, long total, long completed, long failed,
                        double progress, double itemsPerSecond, Double etaSeconds, String createdAt, String startedAt,
                        String finishedAt, ItemError error) {

    public boolean isTerminal() {
        return switch (state) {
            case "SUCCEEDED", "FAILED", "CANCELLED", "TIMED_OUT" -> true;
            default -> false;
        };
    }
}
