package io.jobpool.job;

/** Why a job did not succeed; {@code index} names the failing item when an item caused it. */
public record JobError(String type, String message, Integer index) {
}
