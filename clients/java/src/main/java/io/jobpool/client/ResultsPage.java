package io.jobpool.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;

/** A page of results in input order; {@code next} is the offset to ask next, or null. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ResultsPage(String jobId, String state, int offset, int limit, int total, List<Object> results,
                          List<ItemError> errors, Integer next) {
}
