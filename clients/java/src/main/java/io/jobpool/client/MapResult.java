package io.jobpool.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

import java.util.List;

/** The answer of {@code POST /v1/map}: every result in input order, every item error, the job's error. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record MapResult(String jobId, String state, long total, long completed, long failed, List<Object> results,
                        List<ItemError> errors, ItemError error) {
}
