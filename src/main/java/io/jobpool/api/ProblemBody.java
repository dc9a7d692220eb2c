package io.jobpool.api;

import com.fasterxml.jackson.annotation.JsonInclude;

/**
 * An RFC 9457 problem: {@code type}, {@code title}, {@code status}, {@code detail}, {@code instance},
 * plus the offending {@code field} and, for 429, {@code retryAfterSeconds}.
 */
public record ProblemBody(String type, String title, int status, String detail, String instance,
                          @JsonInclude(JsonInclude.Include.NON_NULL) String field,
                          @JsonInclude(JsonInclude.Include.NON_NULL) Long retryAfterSeconds) {
}
