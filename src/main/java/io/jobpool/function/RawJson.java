package io.jobpool.function;

/**
 * A result that is already one valid JSON value, as bytes: kept as it is instead of being parsed and
 * written again. Process functions answer in JSON; their values reach the result store this way.
 */
public record RawJson(byte[] json) {
}
