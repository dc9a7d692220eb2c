/**
 * The domain: jobs, their specs, states, progress and results; {@link io.jobpool.job.JobService}
 * (submit, query, cancel, wait), admission control and retention. Depends on {@code execution} to run
 * jobs and on {@code function} for the catalog; knows nothing of HTTP.
 */
package io.jobpool.job;
