package io.jobpool.api;

import java.util.List;

/** A page of {@code GET /v1/jobs}, newest first; {@code next} is the offset of the next page or null. */
public record JobListBody(List<JobStatusBody> jobs, int offset, int limit, int total, Integer next) {
}
