package io.jobpool.job;

/** Why one item has no value: a short stable {@code type} and a message for people. */
public record ItemError(int index, String type, String message) {
}
