package io.jobpool.job;

import java.util.List;
import java.util.Optional;

/**
 * Where jobs are kept while they are retained: the port a cluster adapter replaces. Implementations
 * are thread-safe; any request thread and the retention sweep call them concurrently.
 */
public interface JobRegistry {

    void add(Job job);

    Optional<Job> find(JobId id);

    void remove(JobId id);

    /** The tenant's jobs newest first, optionally only those in {@code state}, as one page. */
    Page list(String tenant, JobState state, int offset, int limit);

    /** Every retained job, in no particular order. */
    List<Job> all();

    /** A page of jobs and how many match in all. */
    record Page(List<Job> jobs, int total) {
    }
}
