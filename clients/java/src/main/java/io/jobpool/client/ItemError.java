package io.jobpool.client;

import com.fasterxml.jackson.annotation.JsonIgnoreProperties;

/** Why an item (or, with {@code index} null, a whole job) has no value. */
@JsonIgnoreProperties(ignoreUnknown = true)
public record ItemError(Integer index, String type, String message) {
}
