package io.jobpool.api;

/** The answer to a batch of inputs: they got the indices {@code first .. first + count - 1}. */
public record InputsAcceptedBody(String jobId, int first, int count, int total) {
}
